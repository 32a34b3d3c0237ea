from django.urls import path

from portal.parcels import views

app_name = "parcels"

urlpatterns = [
    path("parcels/<int:pk>/", views.ParcelDetailView.as_view(), name="parcel_detail"),
]
