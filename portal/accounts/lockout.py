"""The lockout of django-axes as the portal shows it: one page for every user name, existing or
not, saying only that sign-in is paused and until when."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: read at call time, so TIANFU_LOGIN_LOCKOUT_MINUTES is the one truth."""
    return timedelta(minutes=settings.TIANFU_LOGIN_LOCKOUT_MINUTES)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the lockout page (429), the same whoever was tried.

    The last failure restarts the pause (axes resets the cool-off on a failure during lockout),
    so sign-in reopens one cool-off after this request.
    """
    started = getattr(request, "axes_attempt_time", None) or timezone.now()
    retry_at = timezone.localtime(started + cool_off(request))
    response = TemplateResponse(
        request, "accounts/lockout.html", {"retry_at": retry_at}, status=429
    )
    return response.render()
