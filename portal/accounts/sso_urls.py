"""Single sign-on endpoints under /oidc/, with mozilla-django-oidc's URL names (its views
reverse them). They answer 404 while TIANFU_OIDC_* is not configured."""

from django.urls import path

from portal.accounts import views

urlpatterns = [
    path(
        "authenticate/",
        views.SingleSignOnStartView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "callback/",
        views.SingleSignOnCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
]
