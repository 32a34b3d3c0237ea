from django.urls import path

from portal.assets import views

app_name = "assets"

urlpatterns = [
    path("assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset_detail"),
    path("warehouse/<int:pk>/", views.ListingDetailView.as_view(), name="listing_detail"),
]
