from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Site name and demo flag for the base template."""
    return {"portal_name": settings.TIANFU["SITE_NAME"], "demo_mode": settings.TIANFU["DEMO"]}
