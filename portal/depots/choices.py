from django.db import models
from django.utils.translation import gettext_lazy as _


class DepotKind(models.TextChoices):
    EMERGENCY = "emergency", _("emergency supply depot")
    WAREHOUSE = "warehouse", _("public asset warehouse")
    BOTH = "both", _("emergency depot and public asset warehouse")


class MovementKind(models.TextChoices):
    """Why stock changed; the sign of the change follows from the kind."""

    RECEIPT = "receipt", _("stock in (receipt)")
    ISSUE = "issue", _("stock out (issue)")
    DISPATCH = "dispatch", _("emergency dispatch")
    STOCKTAKE = "stocktake", _("stocktake adjustment")
    WRITE_OFF = "write_off", _("write-off (expired or damaged)")


class RunStatus(models.TextChoices):
    """The life of a background analysis run."""

    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class SitingModel(models.TextChoices):
    LSCP = "lscp", _("fewest sites covering everyone (LSCP)")
    MCLP = "mclp", _("most people covered by p sites (MCLP)")
    PMEDIAN = "pmedian", _("least total travel with p sites (p-median)")


class SiteSource(models.TextChoices):
    EXISTING = "existing", _("existing depot")
    COUNTY_SEAT = "county_seat", _("county seat")
    IDLE_BUILDING = "idle_building", _("idle government building")
    PARCEL = "parcel", _("registry parcel")
    DRAWN = "drawn", _("drawn by the planner")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
