from django.urls import path  # noqa: F401  (the map, tile and query views add their paths here)

app_name = "maps"

urlpatterns: list = []
