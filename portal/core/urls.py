from django.urls import path

from portal.core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.HealthView.as_view(), name="health"),
]
