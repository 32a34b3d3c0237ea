from django.urls import path

from portal.buildings import views

app_name = "buildings"

urlpatterns = [
    path("buildings/<int:pk>/", views.BuildingDetailView.as_view(), name="building_detail"),
]
