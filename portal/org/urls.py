from django.urls import path

from portal.org import views

app_name = "org"

urlpatterns = [
    path("divisions/basemap.geojson", views.BasemapView.as_view(), name="division_basemap"),
]
