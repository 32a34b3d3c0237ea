from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.assets.models import Asset
from portal.buildings.models import Building, Occupancy
from portal.core.detail import RegistryDetailView, Related
from portal.core.display import Column
from portal.parcels.models import Parcel


class BuildingDetailView(RegistryDetailView):
    model = Building
    select_related = ("division", "managing_unit", "title_case")
    geometry_paths = ("footprint", "geom")
    fields = (
        "name",
        "address",
        "division",
        "managing_unit",
        "use_type",
        "floors_above",
        "floors_below",
        "gross_area_m2",
        "usable_area_m2",
        "year_built",
        "confidentiality",
        "updated_at",
    )
    related = (
        Related(
            "occupants",
            _("Occupants"),
            Occupancy,
            "in_building",
            (
                Column("unit"),
                Column("usable_area_m2"),
                Column("staff_by_rank"),
                Column("area_per_person_m2", _("usable area per person (m²)")),
                Column("since"),
            ),
            select=("unit",),
        ),
        Related(
            "parcels",
            _("Parcels it stands on"),
            Parcel,
            "under",
            (Column("registry_no"), Column("holder"), Column("title_status"), Column("area_m2")),
            select=("holder",),
            map_paths=("geom",),
        ),
        Related(
            "assets",
            _("Assets in this building"),
            Asset,
            "in_building",
            (
                Column("ledger_code"),
                Column("name"),
                Column("holder"),
                Column("status"),
                Column("net_value"),
            ),
            select=("holder",),
        ),
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # A case is scoped exactly like its building, so a visible building shows its case.
        cases = [self.object.title_case] if hasattr(self.object, "title_case") else []
        return super().get_context_data(title_cases=cases, **kwargs)
