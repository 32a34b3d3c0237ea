from django.urls import path

from portal.fleet.views import vehicles

app_name = "fleet"

urlpatterns = [
    path("vehicles/<int:pk>/", vehicles.VehicleDetailView.as_view(), name="vehicle_detail"),
]
