from django.urls import path

from portal.fleet.views import bookings, statements, trips, utilisation, vehicles
from portal.fleet.views import dispatch as dispatch_views
from portal.fleet.views import map as fleet_map

app_name = "fleet"

urlpatterns = [
    path("vehicles/<int:pk>/", vehicles.VehicleDetailView.as_view(), name="vehicle_detail"),
    path("fleet/map/", fleet_map.FleetMapView.as_view(), name="map"),
    path("fleet/map/vehicles.geojson", fleet_map.MapVehiclesView.as_view(), name="map_vehicles"),
    path("fleet/map/bookings.geojson", fleet_map.MapBookingsView.as_view(), name="map_bookings"),
    path("fleet/utilisation/", utilisation.UtilisationView.as_view(), name="utilisation"),
    path(
        "fleet/utilisation/vehicles/<int:pk>/offer/",
        utilisation.OfferVehicleView.as_view(),
        name="vehicle_offer",
    ),
    *bookings.urlpatterns,
    *dispatch_views.urlpatterns,
    *trips.urlpatterns,
    *statements.urlpatterns,
]
