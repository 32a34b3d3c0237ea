"""Keeps a signed-in account on the step it must take (second factor, password change, second
factor enrolment) until it has taken it; see portal.accounts.policy for the steps."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from rest_framework.exceptions import AuthenticationFailed

from portal.accounts import policy
from portal.accounts.tokens import CachedTokenAuthentication

# Pages any account may open whatever it has still to do: signing in and out, the language,
# the health check for load balancers.
ALWAYS_ALLOWED = frozenset({"login", "logout", "admin:logout", "set_language", "core:health"})


class AccountPolicyMiddleware:
    """After django_otp's OTPMiddleware, which tells whether the session passed the second factor.

    A page request of an account with a pending step is sent to that step's page (and back to
    the page afterwards); an API request is answered 403 with the reason in JSON, whether it
    came with the session or with a token.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name in ALWAYS_ALLOWED:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        # The REST API and OGC API – Features answer clients that cannot follow a redirect.
        api = not {"api", "features"}.isdisjoint(match.namespaces)
        if request.user.is_authenticated:
            step = policy.pending_step(request)
        elif api:
            step = _token_step(request)
        else:
            return None
        if step is None or match.view_name in {step.view_name, *step.also_allowed}:
            return None
        if api:
            return _refused(step, ogc="features" in match.namespaces)
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(step.view_name)}?{query}")


def _refused(step: policy.Step, *, ogc: bool) -> JsonResponse:
    """403 with the reason, in the OGC API's exception object ``{code, description}`` there."""
    if ogc:
        body = {"code": "Forbidden", "description": str(step.message), "step": step.name}
    else:
        body = {"detail": str(step.message), "step": step.name}
    return JsonResponse(body, status=403)


def _token_step(request: HttpRequest) -> policy.Step | None:
    """The step pending for the account of the request's API token, if it carries one.

    DRF authenticates inside the view, after every middleware; the token read here is kept on
    the request for it (CachedTokenAuthentication). A bad token is left to DRF, which answers 401.
    """
    try:
        found = CachedTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return policy.token_step(found[0]) if found else None
