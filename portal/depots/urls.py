from django.urls import path

from portal.depots import views

app_name = "depots"

urlpatterns = [
    path("depots/<int:pk>/", views.DepotDetailView.as_view(), name="depot_detail"),
]
