from django.urls import path

from portal.maps import dashboard, query, tile_views, views

app_name = "maps"

urlpatterns: list = [
    path("map/", views.MapView.as_view(), name="map"),
    path("search.json", views.SearchView.as_view(), name="search"),
    path("map/query.json", query.QueryJSONView.as_view(), name="query_json"),
    path("map/query.xlsx", query.QueryXLSXView.as_view(), name="query_xlsx"),
    path("map/query.csv", query.QueryCSVView.as_view(), name="query_csv"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path(
        "tiles/<slug:layer>/<str:z>/<str:x>/<str:y>.pbf",
        tile_views.TileView.as_view(),
        name="layer_tile",
    ),
    path("tiles/<slug:layer>.json", tile_views.TileJSONView.as_view(), name="layer_tilejson"),
]
