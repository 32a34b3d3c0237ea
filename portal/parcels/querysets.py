from portal.org.scoping import ScopedQuerySet


class ParcelQuerySet(ScopedQuerySet):
    unit_path = "holder"
