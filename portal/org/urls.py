from django.urls import path

from portal.org import views

app_name = "org"

urlpatterns = [
    path("divisions/basemap.geojson", views.BasemapView.as_view(), name="division_basemap"),
    path("divisions/<str:code>/", views.DivisionDetailView.as_view(), name="division_detail"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
]
