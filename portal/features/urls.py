"""OGC API – Features under ``/ogc/`` (the landing page a desktop client is pointed at)."""

from django.urls import path

from portal.features import views

app_name = "features"

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path("conformance", views.ConformanceView.as_view(), name="conformance"),
    path("api", views.OpenAPIView.as_view(), name="openapi"),
    path("collections", views.CollectionsView.as_view(), name="collections"),
    path("collections/<str:collection_id>", views.CollectionView.as_view(), name="collection"),
    path("collections/<str:collection_id>/schema", views.SchemaView.as_view(), name="schema"),
    path("collections/<str:collection_id>/items", views.ItemsView.as_view(), name="items"),
    path(
        "collections/<str:collection_id>/items/<str:feature_id>",
        views.ItemView.as_view(),
        name="item",
    ),
]
