from django.urls import path

from portal.parcels.views import parcel

app_name = "parcels"

urlpatterns = [
    path("parcels/<int:pk>/", parcel.ParcelDetailView.as_view(), name="parcel_detail"),
    # -- title cases --
    # -- conflict register --
    # -- campaign dashboard and reports --
]
