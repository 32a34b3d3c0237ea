"""Who may import, and whose imports a user may see: shared by the pages, the API and the nav."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.core.services import OutOfScopeError
from portal.exchange.models import ImportJob
from portal.exchange.services import fail_interrupted_imports
from portal.org.choices import Role
from portal.org.scoping import Reach, edit_scope

if TYPE_CHECKING:
    from portal.org.models import User

# The same text the import service refuses with, so a viewer reads one message on every channel.
NOT_AN_IMPORTER = _("Your role may not import records.")


def may_import(user: Any) -> bool:
    """Whether ``user`` may upload a file at all (rows outside their scope are refused later)."""
    return bool(user.is_authenticated) and edit_scope(user).reach is not Reach.NONE


def require_importer(user: Any) -> None:
    if not may_import(user):
        raise OutOfScopeError(NOT_AN_IMPORTER)


def sees_all_imports(user: User) -> bool:
    """The province administrators answer for every import; everyone else sees their own."""
    return bool(user.is_superuser or user.role == Role.PROVINCE_ADMIN)


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    # Every page and API call that shows jobs comes here: settle those a database restart or a
    # killed worker interrupted first, so none shows as running for ever.
    fail_interrupted_imports()
    jobs = ImportJob.objects.select_related("user").order_by("-created_at", "-pk")
    if not user.is_authenticated:
        return jobs.none()
    return jobs if sees_all_imports(user) else jobs.filter(user=user)
