from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from portal.core import requestid


class RequestIdMiddleware:
    """Expose the request id (set when the request started) on the request and the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = requestid.get()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
