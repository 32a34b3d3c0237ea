from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("prefecture-level city")
    COUNTY = "county", _("county-level division")


class RegionKind(models.TextChoices):
    NEW_AREA = "new_area", _("cross-province new area")
    COOPERATION_ZONE = "cooperation_zone", _("integrated cooperation zone")
    BORDER_CITIES = "border_cities", _("cities bordering Chongqing")


class UnitKind(models.TextChoices):
    PARTY_ORGAN = "party_organ", _("party organ")
    GOVERNMENT_ORGAN = "government_organ", _("government organ")
    PUBLIC_INSTITUTION = "public_institution", _("public institution")
    OTHER = "other", _("other")


class Role(models.TextChoices):
    """What an account may do. The three administrator duties are held by different accounts."""

    PROVINCE_ADMIN = "province_admin", _("province administrator")
    DIVISION_ADMIN = "division_admin", _("city/county administrator")
    UNIT_OFFICER = "unit_officer", _("unit asset officer")
    VIEWER = "viewer", _("viewer")
    AUDITOR = "auditor", _("auditor")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")
