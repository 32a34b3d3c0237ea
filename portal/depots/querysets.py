from portal.org.scoping import ScopedQuerySet


class DepotQuerySet(ScopedQuerySet):
    unit_path = "managing_unit"


class StockItemQuerySet(ScopedQuerySet):
    unit_path = "depot__managing_unit"
