"""What the import and export commands share: who acts, and the options they read."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from portal.org.models import User


def acting_user(username: str | None, *, required: bool) -> User:
    """The named active user, or for a read-only run the command line with full rights.

    Writing needs a real account so that history and the import record name a person.
    """
    if username:
        try:
            return get_user_model().objects.get(username=username, is_active=True)  # type: ignore[return-value]
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
    if required:
        raise CommandError("Name the user responsible for the change with --user USERNAME.")
    return User(username="manage.py", is_superuser=True, is_active=True)
