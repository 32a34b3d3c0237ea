from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.buildings.models import Building
from portal.core.detail import RegistryDetailView, Related
from portal.core.display import Column
from portal.parcels.models import Parcel


class ParcelDetailView(RegistryDetailView):
    model = Parcel
    select_related = ("holder", "division")
    fields = (
        "registry_no",
        "real_estate_unit_code",
        "certificate_no",
        "holder",
        "division",
        "right_type",
        "land_use",
        "certificate_area_m2",
        "area_m2",
        "title_status",
        "updated_at",
    )
    related = (
        Related(
            "buildings",
            _("Buildings on this parcel"),
            Building,
            "on_parcel",
            (
                Column("name"),
                Column("managing_unit"),
                Column("usable_area_m2"),
                Column("inside", _("wholly inside"), flag=True),
            ),
            select=("managing_unit", "title_case"),
            map_paths=("footprint", "geom"),
        ),
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The cases of the buildings listed (scoped like them, read with them in one query).
        buildings = next(r for r in context["related_lists"] if r.spec.name == "buildings")
        context["title_cases"] = [b.title_case for b in buildings.items if hasattr(b, "title_case")]
        return context
