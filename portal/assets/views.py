from portal.assets.models import Asset
from portal.core.detail import RegistryDetailView


class AssetDetailView(RegistryDetailView):
    model = Asset
    select_related = ("category", "holder", "building")
    geometry_paths = ("geom", "building__footprint", "building__geom")
    fields = (
        "ledger_code",
        "name",
        "category",
        "model_spec",
        "quantity",
        "unit_of_measure",
        "holder",
        "building",
        "status",
        "condition",
        "acquired_on",
        "original_value",
        "net_value",
        "confidentiality",
        "updated_at",
    )
