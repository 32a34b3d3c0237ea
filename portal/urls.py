from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=static("core/img/favicon.svg"), permanent=True)),
    path("api/", include("portal.api_urls")),
    path("", include("portal.maps.urls")),
    path("", include("portal.org.urls")),
    path("", include("portal.buildings.urls")),
    path("", include("portal.parcels.urls")),
    path("", include("portal.assets.urls")),
    path("", include("portal.depots.urls")),
    path("", include("portal.fleet.urls")),
    path("", include("portal.exchange.urls")),
    path("", include("portal.core.urls")),
]
