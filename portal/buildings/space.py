"""Office space against the standard, and the vacant space a building could share. Reads only.

Per occupancy, per unit (the sum over its occupancies) and per building (the sum over its
occupants), :func:`occupancy_space`, :func:`unit_space` and :func:`building_space` annotate a
queryset with:

``occupied_m2``
    usable area allocated (a building's: what its occupancies add up to, not its own
    ``usable_area_m2``, which counts vacant rooms too);
``staff_total``
    staff of the ranks of the civil-service ladder (:class:`~portal.core.choices.Rank`);
``allowance_m2``
    Σ staff per rank × the limit of that rank at the *occupying unit's* government level;
``per_person_m2``, ``allowance_per_person_m2``
    the two divided by the staff, to two decimals (half up); None without staff;
``excess_m2``
    what the area exceeds the allowance by (0 when within it);
``over_standard``
    the area is above the allowance (at it is within); None without staff, since area nobody
    is counted in (a store, a building whose staff are counted where the unit sits) is not
    judged;
``uncounted_staff``
    staff the allowance leaves out: ranks the edition sets no limit for at the unit's level,
    and keys that are no rank at all (those are not in ``staff_total`` either). Above 0, the
    allowance is incomplete; :func:`missing_limits` says which ranks, and occupancies carry
    ``uncounted_ranks``. Nothing is silently counted as 0 m².

The edition in force (:func:`standard_in_force`): the one passed, else the latest present in
the SpaceStandard table (the greatest edition name: editions are named by their year), with no
setting. Its limits are read once, when the queryset is built (one small query), and go into
the statement as parameters; pass a :class:`Standard` to reuse it across several querysets.

Scoping: pass a queryset already narrowed (``Unit.objects.visible_to(user)``…) or ``user=`` to
narrow it here. A building's figures cover all its occupants, including units outside the
reader's scope: the building is the reader's, and only sums are shown. Every function returns
a queryset: pages paginate and order it, map layers compile it into tile SQL, exports stream
it, and each is one statement. Annotations that sum over ``occupancies`` group the queryset, so
do not add other to-many joins to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf
from django.utils.translation import gettext as _

from portal.assets.choices import SpaceListingStatus
from portal.assets.models import SpaceListing
from portal.buildings import sql
from portal.buildings.models import Building, Floor, Occupancy, Room, SpaceStandard
from portal.core.choices import GovernmentLevel, Rank
from portal.org.models import Unit

if TYPE_CHECKING:
    from portal.org.models import User

M2 = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=M2)


@dataclass(frozen=True)
class Standard:
    """One edition of the space standard: ``limits[level][rank]`` in m² per person."""

    edition: str | None
    limits: Mapping[str, Mapping[str, Decimal]]


def standard_in_force(edition: str | None = None) -> Standard:
    """The limits of ``edition``, else of the latest edition present (one query).

    An edition without rows (or an empty table) has no limits: every rank is then reported.
    """
    latest = SpaceStandard.objects.order_by("-edition").values("edition")[:1]
    rows = SpaceStandard.objects.filter(edition=Subquery(latest) if edition is None else edition)
    fields = ("edition", "government_level", "rank", "area_m2")
    limits: dict[str, dict[str, Decimal]] = {}
    for found, level, rank, area in rows.order_by("government_level", "rank").values_list(*fields):
        edition = found
        limits.setdefault(level, {})[rank] = area
    return Standard(edition, limits)


def _scoped(rows: QuerySet[Any] | None, model: type[Any], user: User | None) -> QuerySet[Any]:
    """``rows`` (all of ``model`` when None), narrowed to what ``user`` may read if given."""
    rows = model.objects.all() if rows is None else rows
    return rows if user is None else rows.visible_to(user)


def _standard(standard: Standard | str | None) -> Standard:
    return standard if isinstance(standard, Standard) else standard_in_force(standard)


def _base(staff: str, level: str, standard: Standard, *, summed: bool) -> dict[str, Any]:
    """Staff, allowance and uncounted staff, per row or summed over ``occupancies``."""
    ranks, limits = Rank.values, standard.limits
    measures = {
        "staff_total": sql.StaffCount(F(staff), F(level), sql.staff_sql(ranks)),
        "allowance_m2": sql.Allowance(F(staff), F(level), sql.allowance_sql(limits, ranks)),
        "uncounted_staff": sql.StaffCount(F(staff), F(level), sql.uncounted_sql(limits, ranks)),
    }
    if not summed:
        return measures
    return {
        name: Coalesce(Sum(value), ZERO if name == "allowance_m2" else 0)
        for name, value in measures.items()
    }


def _derived() -> dict[str, Any]:
    """What follows from the base measures: per person, excess, the flag."""
    staff = NullIf(F("staff_total"), 0)
    over = ExpressionWrapper(Q(occupied_m2__gt=F("allowance_m2")), output_field=BooleanField())
    return {
        "per_person_m2": Cast(F("occupied_m2") / staff, M2),
        "allowance_per_person_m2": Cast(F("allowance_m2") / staff, M2),
        "excess_m2": Greatest(F("occupied_m2") - F("allowance_m2"), ZERO),
        "over_standard": Case(
            When(staff_total__gt=0, then=over), default=None, output_field=BooleanField()
        ),
    }


def occupancy_space(
    occupancies: QuerySet[Occupancy] | None = None,
    *,
    user: User | None = None,
    standard: Standard | str | None = None,
) -> QuerySet[Occupancy]:
    """Each occupancy with its figures, plus ``uncounted_ranks`` (keys without a limit)."""
    rows = _scoped(occupancies, Occupancy, user)
    used = _standard(standard)
    base = _base("staff_by_rank", "unit__level", used, summed=False)
    ranks = sql.UncountedRanks(
        F("staff_by_rank"), F("unit__level"), sql.uncounted_ranks_sql(used.limits)
    )
    return rows.annotate(occupied_m2=F("usable_area_m2"), **base, uncounted_ranks=ranks).annotate(
        **_derived()
    )


def unit_space(
    units: QuerySet[Unit] | None = None,
    *,
    user: User | None = None,
    standard: Standard | str | None = None,
) -> QuerySet[Unit]:
    """Each unit with the figures of all its occupancies together (0 m² and no staff if none)."""
    rows = _scoped(units, Unit, user)
    base = _base("occupancies__staff_by_rank", "level", _standard(standard), summed=True)
    area = Coalesce(Sum("occupancies__usable_area_m2"), ZERO)
    return rows.annotate(occupied_m2=area, **base).annotate(**_derived())


def building_space(
    buildings: QuerySet[Building] | None = None,
    *,
    user: User | None = None,
    standard: Standard | str | None = None,
) -> QuerySet[Building]:
    """Each building with the figures of all its occupants together, each at its own level."""
    rows = _scoped(buildings, Building, user)
    staff, level = "occupancies__staff_by_rank", "occupancies__unit__level"
    base = _base(staff, level, _standard(standard), summed=True)
    area = Coalesce(Sum("occupancies__usable_area_m2"), ZERO)
    return rows.annotate(occupied_m2=area, **base).annotate(**_derived())


@dataclass(frozen=True)
class MissingLimit:
    """Staff of a rank the edition sets no limit for at a government level."""

    government_level: str
    rank: str
    staff: int
    occupancies: int
    units: int
    edition: str | None

    @property
    def message(self) -> str:
        level = GovernmentLevel(self.government_level).label
        rank = Rank(self.rank).label if self.rank in Rank.values else self.rank
        return _(
            "No limit for rank “%(rank)s” at %(level)s level in edition %(edition)s: "
            "%(staff)d staff are not counted in the allowance."
        ) % {"rank": rank, "level": level, "edition": self.edition or "-", "staff": self.staff}


def missing_limits(
    occupancies: QuerySet[Occupancy] | None = None,
    *,
    user: User | None = None,
    standard: Standard | str | None = None,
) -> list[MissingLimit]:
    """Ranks with staff but no limit, by level, over ``occupancies`` (one statement).

    For a unit pass ``Occupancy.objects.filter(unit=unit)``; for a building, its occupancies.
    Keys that are no rank at all (a typing error in an import) are listed too.
    """
    rows = _scoped(occupancies, Occupancy, user)
    try:
        scope = rows.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a scope that reaches nothing compiles to no SQL at all
        return []
    used = _standard(standard)
    return [MissingLimit(*row, used.edition) for row in sql.missing_limits(scope, used.limits)]


# -- vacant space ------------------------------------------------------------------------------


def _in_readable_buildings(rows: QuerySet[Any], user: User | None, path: str) -> QuerySet[Any]:
    """Narrow to buildings ``user`` may read: the managing unit's scope and the clearance
    (rooms and floors carry no classification of their own)."""
    if user is None:
        return rows
    return rows.filter(**{f"{path}__in": Building.objects.visible_to(user).values("pk")})


def _live(**match: Any) -> Exists:
    return Exists(SpaceListing.objects.filter(status=SpaceListingStatus.PUBLISHED, **match))


def vacant_rooms(
    rooms: QuerySet[Room] | None = None, *, user: User | None = None
) -> QuerySet[Room]:
    """Rooms without an occupant unit, each with ``listed``: offered now, alone or in its floor."""
    rows = Room.objects.all() if rooms is None else rooms
    rows = _in_readable_buildings(rows, user, "floor__building")
    listed = _live(room=OuterRef("pk")) | _live(floor=OuterRef("floor"), room__isnull=True)
    return (
        rows.filter(unit__isnull=True)
        .select_related("floor__building")
        .annotate(listed=ExpressionWrapper(listed, output_field=BooleanField()))
    )


def vacant_floors(
    floors: QuerySet[Floor] | None = None, *, user: User | None = None
) -> QuerySet[Floor]:
    """Floors with rooms, every one of them vacant; with ``room_count``, ``vacant_area_m2``
    (the rooms' usable area) and ``listed`` (offered now as a whole)."""
    rows = Floor.objects.all() if floors is None else floors
    rows = _in_readable_buildings(rows, user, "building")
    return (
        rows.annotate(
            room_count=Count("rooms"),
            occupied_rooms=Count("rooms", filter=Q(rooms__unit__isnull=False)),
            vacant_area_m2=Coalesce(Sum("rooms__usable_area_m2"), ZERO),
            listed=_live(floor=OuterRef("pk"), room__isnull=True),
        )
        .filter(room_count__gt=0, occupied_rooms=0)
        .select_related("building")
    )
