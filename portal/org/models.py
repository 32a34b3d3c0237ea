from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.gis.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.choices import Confidentiality, GovernmentLevel
from portal.core.models import RegistryModel, source_crs_field
from portal.core.tracking import tracked
from portal.core.validators import validate_credit_code, validate_division_code, validate_geometry
from portal.org.choices import DivisionLevel, RegionKind, Role, UnitKind
from portal.org.querysets import AdminDivisionQuerySet, UnitQuerySet


@tracked()
class AdminDivision(models.Model):
    """An administrative division of GB/T 2260: the province, a prefecture-level city or a county.

    Codes change over time (counties become districts, cities are renamed), so a division has a
    validity period; only one current division may hold a code.
    """

    code = models.CharField(_("division code"), max_length=6, validators=[validate_division_code])
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True)
    pinyin_initials = models.CharField(_("pinyin initials"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    geom = models.MultiPolygonField(_("boundary"), srid=4490, validators=[validate_geometry])
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = AdminDivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_to__isnull=True),
                name="org_division_current_code_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def get_absolute_url(self) -> str:
        return reverse("org:division_detail", args=[self.code])

    @property
    def prefix(self) -> str:
        """The code prefix shared by this division and everything below it."""
        return {DivisionLevel.PROVINCE: self.code[:2], DivisionLevel.CITY: self.code[:4]}.get(
            self.level, self.code
        )


@tracked()
class CooperationRegion(models.Model):
    """A Sichuan–Chongqing cooperation area without a GB/T 2260 code (e.g. 高竹新区, 遂潼)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RegionKind)
    members = models.ManyToManyField(
        AdminDivision, verbose_name=_("member divisions"), related_name="regions"
    )
    geom = models.MultiPolygonField(
        _("extent"), srid=4490, null=True, blank=True, validators=[validate_geometry]
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("cooperation region")
        verbose_name_plural = _("cooperation regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


@tracked()
class Unit(RegistryModel):
    """A party or government organ or public institution (机关单位), keyed by its credit code."""

    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind)
    level = models.CharField(_("government level"), max_length=10, choices=GovernmentLevel)
    division = models.ForeignKey(
        AdminDivision, verbose_name=_("division"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    offices_administration = models.BooleanField(
        _("offices administration"),
        default=False,
        db_default=False,
        help_text=_(
            "The government offices administration (机关事务管理局) of its division: office "
            "buildings' titles are registered to it."
        ),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    location = models.PointField(
        _("location"), srid=4490, null=True, blank=True, validators=[validate_geometry]
    )
    source_crs = source_crs_field()
    staff_by_rank = models.JSONField(
        _("staff establishment by rank"),
        default=dict,
        blank=True,
        help_text=_('Approved headcount per rank, e.g. {"division_chief": 3}.'),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["division__code", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.credit_code,)

    def get_absolute_url(self) -> str:
        return reverse("org:unit_detail", args=[self.pk])


@tracked(exclude=["password", "last_login"])
class User(AbstractUser):
    """An account. Every account belongs to a unit; its role and clearance decide what it sees."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.VIEWER)
    clearance = models.CharField(
        _("clearance"),
        max_length=20,
        choices=Confidentiality,
        default=Confidentiality.INTERNAL,
    )
    # The password policy of portal.accounts: when the password was last set, and whether its
    # holder must replace it at the next sign-in (a password someone else chose or handed over).
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        db_default=False,
        help_text=_("The user is sent to the password change page until they choose a new one."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(unit__isnull=False),
                name="org_user_belongs_to_unit",
                violation_error_message=_("Every account must belong to a unit."),
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # AbstractBaseUser keeps the raw password in _password between set_password() and save()
        # so that validators hear of the change (password_changed); a hash upgrade at sign-in
        # clears it first, so only real changes restart the password's age.
        if self._password is not None:
            self.password_changed_at = timezone.now()
            fields = kwargs.get("update_fields")
            if fields is not None and "password" in fields:
                kwargs["update_fields"] = {*fields, "password_changed_at"}
        super().save(*args, **kwargs)
