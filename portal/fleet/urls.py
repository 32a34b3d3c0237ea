from django.urls import path

from portal.fleet import views

app_name = "fleet"

urlpatterns = [
    path("vehicles/<int:pk>/", views.VehicleDetailView.as_view(), name="vehicle_detail"),
]
