from portal.org.scoping import ScopedQuerySet


class BuildingQuerySet(ScopedQuerySet):
    unit_path = "managing_unit"


class FloorQuerySet(ScopedQuerySet):
    unit_path = "building__managing_unit"


class RoomQuerySet(ScopedQuerySet):
    unit_path = "floor__building__managing_unit"


class OccupancyQuerySet(ScopedQuerySet):
    unit_path = "unit"
