from portal.org.scoping import ScopedQuerySet


class VehicleQuerySet(ScopedQuerySet):
    unit_path = "holder"
