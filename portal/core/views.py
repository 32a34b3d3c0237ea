from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.views import View
from django.views.generic import TemplateView

from portal.core.database import check_database
from portal.core.exceptions import PortalError


class HomeView(LoginRequiredMixin, TemplateView):
    """The signed-in landing page."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        return super().get_context_data(status=check_database(), **kwargs)


class HealthView(View):
    """Liveness and readiness for load balancers and container healthchecks: no login needed."""

    def get(self, request: HttpRequest) -> JsonResponse:
        try:
            status = check_database()
        except PortalError as exc:
            return JsonResponse(
                {"status": "unavailable", "error": exc.user_message}, status=exc.http_status
            )
        return JsonResponse(
            {
                "status": "ok",
                "postgresql": status.server_version,
                "postgis": status.postgis_version,
            }
        )


def refused(
    request: HttpRequest, exc: PortalError, *, back_url: str, back_label: str | Promise
) -> TemplateResponse:
    """A page saying why an action was refused, with the error's own status (403 out of scope,
    409 wrong state…) and a way back to where the user came from."""
    context = {"message": exc.user_message, "back_url": back_url, "back_label": back_label}
    return TemplateResponse(request, "core/refused.html", context, status=exc.http_status)
