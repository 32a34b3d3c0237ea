from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language

from portal.accounts import views as account_views

lazy_static = lazy(static, str)

urlpatterns = [
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("portal.accounts.urls")),
    path("oidc/", include("portal.accounts.sso_urls")),
    # One password change page for everyone: the policy's (history, forced change) is ours.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="accounts:password_change", query_string=True),
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Lazy: a manifest storage only knows the hashed name after collectstatic, and the URL conf
    # must import before it (manage.py check --deploy in a fresh build).
    path(
        "favicon.ico", RedirectView.as_view(url=lazy_static("core/img/favicon.svg"), permanent=True)
    ),
    path("api/", include("portal.api_urls")),
    path("ogc/", include("portal.features.urls")),
    path("audit/", include("portal.audits.urls")),
    path("", include("portal.maps.urls")),
    path("", include("portal.org.urls")),
    path("", include("portal.buildings.urls")),
    path("", include("portal.parcels.urls")),
    path("", include("portal.assets.urls")),
    path("", include("portal.depots.urls")),
    path("", include("portal.fleet.urls")),
    path("", include("portal.costs.urls")),
    path("", include("portal.ledgers.urls")),
    path("", include("portal.exchange.urls")),
    path("", include("portal.core.urls")),
]
