from django.db import models
from django.utils.translation import gettext_lazy as _


class RightType(models.TextChoices):
    ALLOCATED = "allocated", _("state land use right, allocated (划拨)")
    GRANTED = "granted", _("state land use right, granted (出让)")
    LEASED = "leased", _("leased")
    COLLECTIVE = "collective", _("collective land use right")
    OTHER = "other", _("other")


class LandUse(models.TextChoices):
    ORGAN = "organ", _("organs and organisations")
    PUBLIC_SERVICE = "public_service", _("public services")
    COMMERCIAL = "commercial", _("commercial")
    RESIDENTIAL = "residential", _("residential")
    OTHER = "other", _("other")


class TitleStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("not registered")
    IN_PROGRESS = "in_progress", _("registration in progress")
    REGISTERED = "registered", _("registered to the offices administration")
    FILED = "filed", _("title filing (权属备案)")
    DISPUTED = "disputed", _("disputed")


class RightKind(models.TextChoices):
    """Rights (LADM "right") a unit holds on a parcel or a building."""

    LAND_ALLOCATED = "land_allocated", _("construction-land use right, allocated (划拨)")
    LAND_GRANTED = "land_granted", _("construction-land use right, granted (出让)")
    BUILDING_OWNERSHIP = "building_ownership", _("building ownership (房屋所有权)")
    USE = "use", _("right of use (使用权)")
    LEASE = "lease", _("lease (租赁)")
    OTHER = "other", _("other")


class CertificateKind(models.TextChoices):
    REAL_ESTATE = "real_estate", _("real-estate title certificate (不动产权证书)")
    LAND = "land", _("state land use certificate (国有土地使用证)")
    BUILDING = "building", _("building ownership certificate (房屋所有权证)")
    FILING = "filing", _("title filing record (权属备案)")


class DocumentKind(models.TextChoices):
    """Sources (LADM "source"): the papers behind a right, scanned or as PDF."""

    CERTIFICATE_SCAN = "certificate", _("certificate scan")
    ALLOCATION = "allocation", _("land allocation decision (划拨决定书)")
    GRANT_CONTRACT = "grant_contract", _("land grant contract (出让合同)")
    PLANNING_PERMIT = "planning_permit", _("construction planning permit")
    COMPLETION = "completion", _("completion acceptance record")
    SURVEY = "survey", _("survey report")
    PURCHASE = "purchase", _("purchase or transfer contract")
    APPROVAL = "approval", _("approval document")
    LEDGER = "ledger", _("ledger extract")
    PHOTO = "photo", _("site photo")
    OTHER = "other", _("other")


class LinkStatus(models.TextChoices):
    DERIVED = "derived", _("derived from the geometry")
    CONFIRMED = "confirmed", _("confirmed by an officer")
    REJECTED = "rejected", _("rejected by an officer")


class CaseStatus(models.TextChoices):
    """States of a title case in the unified registration campaign (办公用房权属统一登记)."""

    NOT_STARTED = "not_started", _("not started")
    COLLECTED = "collected", _("materials collected")
    VERIFIED = "verified", _("verified")
    DISPUTED = "disputed", _("in dispute")
    SUBMITTED = "submitted", _("submitted for registration")
    REGISTERED = "registered", _("registered to the offices administration")
    FILED = "filed", _("title filed (权属备案)")
    EXEMPT = "exempt", _("exempt, registered to the user unit")


class ReconciliationKind(models.TextChoices):
    """The three checks of an inventory (账账、账实、账证相符)."""

    BOOKS_BOOKS = "books_books", _("books against books (账账相符)")
    BOOKS_REALITY = "books_reality", _("books against reality (账实相符)")
    BOOKS_CERTIFICATES = "books_certificates", _("books against certificates (账证相符)")


class ReconciliationResult(models.TextChoices):
    CONSISTENT = "consistent", _("consistent")
    INCONSISTENT = "inconsistent", _("inconsistent")


class ConflictKind(models.TextChoices):
    PARCEL_OVERLAP = "parcel_overlap", _("parcels overlap")
    BUILDING_OUTSIDE = "building_outside", _("building off its parcel (房地不一致)")
    OCCUPANT_NOT_HOLDER = "occupant_not_holder", _("occupied by a unit other than the holder")
    DUPLICATE_CERTIFICATE = "duplicate_certificate", _("duplicate certificate number")
    DUPLICATE_UNIT_CODE = "duplicate_unit_code", _("duplicate real-estate unit code")
    DOUBLE_CLAIM = "double_claim", _("parcel claimed by two units")
    AREA_MISMATCH = "area_mismatch", _("certificate area differs from the computed area")
    CODE_MISMATCH = "code_mismatch", _("code invalid or inconsistent with the location")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")
    ACCEPTED = "accepted", _("accepted with a reason")
