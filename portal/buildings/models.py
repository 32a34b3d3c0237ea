from decimal import ROUND_HALF_UP, Decimal

from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.buildings.choices import UseType
from portal.buildings.querysets import (
    BuildingQuerySet,
    FloorQuerySet,
    OccupancyQuerySet,
    RoomQuerySet,
)
from portal.core.choices import Confidentiality, GovernmentLevel, Rank
from portal.core.models import RegistryModel, source_crs_field
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry

AREA = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}


@tracked()
class Building(RegistryModel):
    """An office building (办公用房) managed by a unit: its footprint, size and use."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    division = models.ForeignKey(
        "org.AdminDivision", verbose_name=_("division"), on_delete=models.PROTECT
    )
    managing_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("managing unit"),
        on_delete=models.PROTECT,
        related_name="managed_buildings",
    )
    geom = models.PointField(_("location"), srid=4490, validators=[validate_geometry])
    footprint = models.MultiPolygonField(
        _("footprint"), srid=4490, null=True, blank=True, validators=[validate_geometry]
    )
    source_crs = source_crs_field()
    floors_above = models.PositiveSmallIntegerField(_("floors above ground"), default=1)
    floors_below = models.PositiveSmallIntegerField(_("floors below ground"), default=0)
    gross_area_m2 = models.DecimalField(_("gross floor area (m²)"), null=True, blank=True, **AREA)
    usable_area_m2 = models.DecimalField(_("usable area (m²)"), null=True, blank=True, **AREA)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    use_type = models.CharField(
        _("main use"), max_length=10, choices=UseType, default=UseType.OFFICE
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality,
        default=Confidentiality.INTERNAL,
    )

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("office building")
        verbose_name_plural = _("office buildings")
        ordering = ["division__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["managing_unit", "name"], name="buildings_building_unit_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.managing_unit.credit_code, self.name)

    def get_absolute_url(self) -> str:
        return reverse("buildings:building_detail", args=[self.pk])


@tracked()
class Floor(models.Model):
    """A storey of a building; negative numbers are below ground."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="floors"
    )
    number = models.SmallIntegerField(_("floor number"))
    gross_area_m2 = models.DecimalField(_("gross floor area (m²)"), null=True, blank=True, **AREA)

    objects = FloorQuerySet.as_manager()

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"], name="buildings_floor_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.number}F"

    def natural_key(self) -> tuple[str, str, int]:
        return (*self.building.natural_key(), self.number)


@tracked()
class Room(models.Model):
    """A room on a floor, with its use and the unit that occupies it."""

    floor = models.ForeignKey(
        Floor, verbose_name=_("floor"), on_delete=models.CASCADE, related_name="rooms"
    )
    number = models.CharField(_("room number"), max_length=20)
    use_type = models.CharField(_("use"), max_length=10, choices=UseType, default=UseType.OFFICE)
    usable_area_m2 = models.DecimalField(_("usable area (m²)"), **AREA)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("occupant"), null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["floor", "number"], name="buildings_room_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.floor.building} {self.number}"

    def natural_key(self) -> tuple[str, str, int, str]:
        return (*self.floor.natural_key(), self.number)


@tracked()
class Occupancy(RegistryModel):
    """A unit's use of a building: the usable area allocated to it and its staff there."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="occupancies"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="occupancies"
    )
    usable_area_m2 = models.DecimalField(_("usable area allocated (m²)"), **AREA)
    staff_by_rank = models.JSONField(_("staff by rank"), default=dict, blank=True)
    since = models.DateField(_("since"), null=True, blank=True)

    objects = OccupancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "building"], name="buildings_occupancy_unit_building_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} @ {self.building}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.unit.credit_code, *self.building.natural_key())

    @property
    def staff_count(self) -> int:
        return sum(int(count) for count in self.staff_by_rank.values())

    @property
    def area_per_person_m2(self) -> Decimal | None:
        """Usable area per person here, to compare with the space standard; None without staff."""
        staff = self.staff_count
        # Half up, as PostgreSQL's round() in the space-standard figures (portal.buildings.space).
        if not staff:
            return None
        return (self.usable_area_m2 / staff).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@tracked()
class SpaceStandard(models.Model):
    """A per-person office-area limit (使用面积) by government level and rank, in one edition.

    Seeded from secondary sources and marked for checking: editions differ (many pages labelled
    2014 show the 1999 table), so limits are data, never constants in code.
    """

    edition = models.CharField(_("edition"), max_length=20)
    government_level = models.CharField(
        _("government level"), max_length=10, choices=GovernmentLevel
    )
    rank = models.CharField(_("rank"), max_length=20, choices=Rank)
    post = models.CharField(_("post as named in the standard"), max_length=40)
    area_m2 = models.DecimalField(_("limit per person (m²)"), **AREA)
    needs_check = models.BooleanField(_("to be checked against the official text"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("office-space standard")
        verbose_name_plural = _("office-space standards")
        ordering = ["edition", "government_level", "-area_m2"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "government_level", "rank"],
                name="buildings_standard_edition_level_rank_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition} {self.get_government_level_display()} {self.post}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.edition, self.government_level, self.rank)
