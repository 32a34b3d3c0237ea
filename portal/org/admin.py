import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from portal.accounts.admin import PasswordPolicyAdminMixin
from portal.accounts.duties import ADMIN_DUTIES, holds_admin_duty, may_hold_token
from portal.accounts.models import ApiToken, token_label
from portal.core.admin import ReferenceAdmin, ScopedAdmin
from portal.core.history_admin import HistoryAdminMixin
from portal.org.choices import Role
from portal.org.models import AdminDivision, CooperationRegion, Unit, User

ACCOUNT_READERS = {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


@admin.register(AdminDivision)
class AdminDivisionAdmin(ReferenceAdmin):
    list_display = ["code", "name", "level", "parent", "valid_to"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_pinyin", "pinyin_initials"]
    raw_id_fields = ["parent"]


@admin.register(CooperationRegion)
class CooperationRegionAdmin(ReferenceAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    filter_horizontal = ["members"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "credit_code", "kind", "level", "division", "synthetic"]
    list_filter = ["kind", "level", "synthetic"]
    search_fields = ["name", "short_name", "credit_code", "address", "division__name"]
    autocomplete_fields = ["division", "parent"]
    list_select_related = ["division"]


# What the security administrator grants: a unit, one role, a clearance, and whether the account
# may sign in (is_staff opens the admin, where every page still follows the role). Django's own
# is_superuser, groups and permissions would bypass roles, so only a superuser sees them.
ACCOUNT_FIELDSETS = (
    (None, {"fields": ("username", "password")}),
    (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
    (_("Unit and role"), {"fields": ("unit", "role", "clearance")}),
    (_("Permissions"), {"fields": ("is_active", "is_staff")}),
    (_("Important dates"), {"fields": ("last_login", "date_joined")}),
)
DJANGO_PERMISSIONS_FIELDSET = (None, {"fields": ("is_superuser", "groups", "user_permissions")})


@admin.register(User)
class UserAdmin(PasswordPolicyAdminMixin, HistoryAdminMixin, DjangoUserAdmin):
    """Accounts: only the security administrator grants roles, never to their own account, and
    never to or from a superuser account (development only: production needs none)."""

    list_display = ["username", "role", "unit", "clearance", "is_active", "is_staff"]
    list_filter = ["role", "clearance", "is_active"]
    list_select_related = ["unit"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = ACCOUNT_FIELDSETS
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Unit and role"), {"fields": ("unit", "role", "clearance")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.is_superuser:
            return (*fieldsets, DJANGO_PERMISSIONS_FIELDSET)
        return fieldsets

    def _reader(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_superuser or getattr(user, "role", None) in ACCOUNT_READERS

    def _granter(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_superuser or getattr(user, "role", None) == Role.SECURITY_ADMIN

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._reader(request)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return self._reader(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._granter(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Changing a superuser's password or flags would hand over its powers; changing another
        # administrator's would merge two duties (they are managed from the server shell).
        guarded = obj is not None and (
            obj.pk == request.user.pk or obj.is_superuser or holds_admin_duty(obj)
        )
        if guarded and not request.user.is_superuser:
            return False
        return self._granter(request)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and not request.user.is_superuser:
            # A second security (or audit, system) account would double a duty's holder.
            choices = db_field.get_choices(include_blank=not db_field.has_default())
            kwargs["choices"] = [choice for choice in choices if choice[0] not in ADMIN_DUTIES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return self.has_change_permission(request, obj)


# API tokens are credentials: like accounts, only the security administrator issues and revokes
# them, never for their own account. A key is shown once, when issued, and only by prefix after.
admin.site.unregister(TokenProxy)


class TokenIssueForm(forms.ModelForm):
    class Meta:
        model = TokenProxy
        fields = ["user"]

    def clean_user(self) -> User:
        user = self.cleaned_data["user"]
        if not may_hold_token(user):
            # A token signs in without the second factor: it would let the issuer act as them.
            raise ValidationError(
                _(
                    "No API token for %(user)s: accounts of this role sign in with a second "
                    "factor or hold an administrator duty, and a token would bypass both."
                ),
                params={"user": user},
            )
        return user


@admin.register(TokenProxy)
class TokenAdmin(DRFTokenAdmin):
    list_display = ["user", "key_prefix", "created"]
    form = TokenIssueForm

    @admin.display(description=_("key"))
    def key_prefix(self, token: TokenProxy) -> str:
        return f"{token.key[:6]}…"

    def _granter(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_superuser or getattr(user, "role", None) == Role.SECURITY_ADMIN

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._granter(request)

    def has_view_permission(self, request: HttpRequest, obj: TokenProxy | None = None) -> bool:
        return self._granter(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._granter(request)

    def has_change_permission(self, request: HttpRequest, obj: TokenProxy | None = None) -> bool:
        return False  # a token is issued or revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: TokenProxy | None = None) -> bool:
        if obj is not None and obj.user_id == request.user.pk and not request.user.is_superuser:
            return False
        return self._granter(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user" and not request.user.is_superuser:
            # Nor for a superuser: its token would carry every power to the issuer.
            kwargs["queryset"] = User.objects.exclude(pk=request.user.pk).exclude(is_superuser=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> Any:
        # ApiToken prints as user and key prefix on the view and delete pages.
        ordering = self.get_ordering(request)
        return ApiToken.objects.select_related("user").order_by(*ordering)

    def response_add(self, request: HttpRequest, obj: TokenProxy, *args: Any) -> HttpResponse:
        # Django's own message names the object and links to its primary key: the whole key.
        return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))

    def log_addition(self, request: HttpRequest, obj: TokenProxy, message: Any) -> LogEntry:
        return self._log(request, obj, ADDITION, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> list[LogEntry]:
        return [self._log(request, token, DELETION, "") for token in queryset]

    def _log(self, request: HttpRequest, token: TokenProxy, flag: int, message: Any) -> LogEntry:
        # "Recent actions" prints object_repr and links object_id: the user's id, as this
        # admin's URLs take it, and the key prefix only.
        return LogEntry.objects.create(
            user_id=request.user.pk,
            content_type=get_content_type_for_model(token),
            object_id=str(token.user_id),
            object_repr=token_label(token)[:200],
            action_flag=flag,
            change_message=json.dumps(message) if isinstance(message, list) else message,
        )

    def save_model(self, request: HttpRequest, obj: TokenProxy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            _("Token for %(user)s: %(key)s — hand it over now; it is not shown again.")
            % {"user": obj.user, "key": obj.key},
        )
