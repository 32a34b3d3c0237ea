from django.utils.translation import gettext_lazy as _

from portal.core.detail import RegistryDetailView, Related
from portal.core.display import Column
from portal.depots.models import Depot, StockItem
from portal.depots.querysets import EXPIRY_WARNING_DAYS


class DepotDetailView(RegistryDetailView):
    model = Depot
    extra_context = {"expiry_warning_days": EXPIRY_WARNING_DAYS}
    select_related = ("managing_unit", "division")
    fields = (
        "code",
        "name",
        "kind",
        "managing_unit",
        "division",
        "address",
        "capacity_m3",
        "updated_at",
    )
    related = (
        Related(
            "stock",
            _("Stock"),
            StockItem,
            "in_depot",
            (
                Column("category"),
                Column("name"),
                Column("batch_no"),
                Column("quantity"),
                Column("unit_of_measure"),
                Column("minimum_level"),
                Column("expires_on"),
                Column("expired", _("expired"), flag=True),
                Column("expiring", _("expires soon"), flag=True),
                Column("below_minimum", _("below minimum level"), flag=True),
            ),
            limit=200,
            select=("category",),
        ),
    )
