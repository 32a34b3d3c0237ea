from portal.core.detail import RegistryDetailView
from portal.fleet.models import Vehicle


class VehicleDetailView(RegistryDetailView):
    model = Vehicle
    select_related = ("holder", "base_building", "base_depot")
    # Vehicles have no place of their own: they are drawn at their base.
    geometry_paths = ("base_building__geom", "base_depot__geom")
    fields = (
        "plate",
        "vehicle_type",
        "seats",
        "energy",
        "holder",
        "base_building",
        "base_depot",
        "status",
        "odometer_km",
        "updated_at",
    )
