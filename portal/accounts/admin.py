"""Administration of the account controls, for the security administrator only: second-factor
devices (reset when a phone is lost), sign-in failures and lockouts (unlock by deleting).

django-otp's and django-axes's own admin pages are replaced: theirs follow Django permissions,
which no role holds, and django-otp's shows the devices' secrets.
"""

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import services
from portal.accounts.duties import ADMIN_DUTIES
from portal.accounts.forms import HandedPasswordForm, NewAccountForm
from portal.org.choices import Role
from portal.org.models import User


def is_security_admin(user: Any) -> bool:
    return user.is_active and (
        user.is_superuser or getattr(user, "role", None) == Role.SECURITY_ADMIN
    )


class SecurityAdminOnly:
    """Seen by the security administrator; nothing added or edited through the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_security_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_security_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in (TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


_ADMIN_RESET_REFUSED = _(
    "The second factor of an administrator account is reset only on the server, with "
    "manage.py reset_admin_account."
)


@admin.register(TOTPDevice)
class SecondFactorAdmin(SecurityAdminOnly, admin.ModelAdmin):
    """Authenticator apps of the accounts: the secret key is never shown."""

    list_display = ["user", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    actions = ["reset_second_factor"]

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return is_security_admin(request.user)

    @admin.action(permissions=["reset"], description=_("Reset the second factor of the accounts"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
        users = User.objects.filter(pk__in=queryset.values("user_id")).order_by("username")
        own = users.filter(pk=request.user.pk).exists()
        users = users.exclude(pk=request.user.pk)
        if not request.user.is_superuser:
            # Another administrator's second factor is reset from the server shell only
            # (reset_admin_account): here it would open that account to the one resetting it.
            duties = users.filter(role__in=ADMIN_DUTIES)
            if duties.exists():
                self.message_user(request, _ADMIN_RESET_REFUSED, messages.ERROR)
            users = users.exclude(role__in=ADMIN_DUTIES)
        done = list(users)
        for user in done:
            services.reset_second_factor(user, by=request.user)
        if done:
            message = ngettext(
                "Second factor reset for %(count)d account: it enrols again at its next sign-in.",
                "Second factor reset for %(count)d accounts: they enrol again at their next "
                "sign-in.",
                len(done),
            )
            self.message_user(request, message % {"count": len(done)}, messages.SUCCESS)
        if own:
            self.message_user(
                request,
                _("Your own second factor can only be reset by another security administrator."),
                messages.ERROR,
            )


@admin.register(AccessAttempt)
class LockoutAdmin(SecurityAdminOnly, AccessAttemptAdmin):
    """Failed sign-ins counted per user name and client address; deleting a row lifts its
    lockout."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_security_admin(request.user)


@admin.register(AccessLog)
class SignInLogAdmin(SecurityAdminOnly, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SignInFailureAdmin(SecurityAdminOnly, AccessFailureLogAdmin):
    pass


class PasswordPolicyAdminMixin:
    """For the account admin (portal.org.admin.UserAdmin): a password that the security
    administrator sets, for a new account or another one, must be changed at the next sign-in;
    the flag and the password's age are shown and the flag can be set by hand."""

    add_form = NewAccountForm
    change_password_form = HandedPasswordForm
    policy_fieldset = (
        _("Password policy"),
        {"fields": ("must_change_password", "password_changed_at")},
    )

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return fieldsets if obj is None else (*fieldsets, self.policy_fieldset)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "password_changed_at")  # type: ignore[misc]
