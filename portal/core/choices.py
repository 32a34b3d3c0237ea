from django.db import models
from django.utils.translation import gettext_lazy as _


class Confidentiality(models.TextChoices):
    """Classification of a record; higher levels hide geometry and address without clearance."""

    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal")
    SECRET = "secret", _("secret")  # 秘密
    CONFIDENTIAL = "confidential", _("confidential")  # 机密

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)


class GovernmentLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")


class Rank(models.TextChoices):
    """The national civil-service rank ladder; space standards map posts onto it per level."""

    PROVINCIAL_CHIEF = "provincial_chief", _("provincial-ministerial chief")
    PROVINCIAL_DEPUTY = "provincial_deputy", _("provincial-ministerial deputy")
    BUREAU_CHIEF = "bureau_chief", _("department-bureau chief")
    BUREAU_DEPUTY = "bureau_deputy", _("department-bureau deputy")
    DIVISION_CHIEF = "division_chief", _("division chief")
    DIVISION_DEPUTY = "division_deputy", _("division deputy")
    SECTION_CHIEF = "section_chief", _("section chief")
    SECTION_DEPUTY = "section_deputy", _("section deputy")
    STAFF = "staff", _("below section level")
