"""``manage.py create_admin_accounts --unit <unit>``: the three administrators of MLPS level 3.

Production needs no superuser: the system administrator keeps the reference data, the security
administrator grants roles and the audit administrator reads the security audit, each in an
account of its own. Each account gets a random one-time password, printed once here and to be
changed at the first sign-in. Nothing is created if any of the usernames is taken.
"""

from __future__ import annotations

import secrets
import string
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.core.services import writing
from portal.org.choices import Role
from portal.org.models import Unit, User

DEFAULTS = {
    Role.SYSTEM_ADMIN: "sysadmin",
    Role.SECURITY_ADMIN: "secadmin",
    Role.AUDIT_ADMIN: "auditadmin",
}
OPTIONS = {
    Role.SYSTEM_ADMIN: "system_admin",
    Role.SECURITY_ADMIN: "security_admin",
    Role.AUDIT_ADMIN: "audit_admin",
}
PASSWORD_LENGTH = 20
CREDIT_CODE_LENGTH = 18
PASSWORD_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%+-=?@^_")


class Command(BaseCommand):
    help = (
        "Create the system, security and audit administrator accounts of a unit, each with a "
        "one-time password printed once (use instead of createsuperuser in production)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--unit", required=True, help="the unit's id, name or credit code")
        for role, dest in OPTIONS.items():
            parser.add_argument(
                f"--{dest.replace('_', '-')}",
                dest=dest,
                default=DEFAULTS[role],
                help=f"username of the {role.label} (default: {DEFAULTS[role]})",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        unit = find_unit(options["unit"])
        usernames = {role: options[dest] for role, dest in OPTIONS.items()}
        check_usernames(list(usernames.values()))
        with writing(None, command="create_admin_accounts"):
            created = [create_account(name, role, unit) for role, name in usernames.items()]
        self.stdout.write(f"Administrator accounts of {unit}; each password is shown only once:")
        for user, password in created:
            self.stdout.write(f"  {user.username}\t{user.role}\t{password}")


def find_unit(value: str) -> Unit:
    """The unit with this id, credit code or name; an error if none or several match."""
    # A credit code may be all digits too, but it is longer than any id.
    by_id = value.isdigit() and len(value) < CREDIT_CODE_LENGTH
    units = list(Unit.objects.filter(pk=int(value))) if by_id else []
    if not units:
        units = list(Unit.objects.filter(credit_code=value) or Unit.objects.filter(name=value))
    if len(units) != 1:
        found = "no unit" if not units else f"{len(units)} units"
        raise CommandError(f"--unit {value!r}: {found} with this id, credit code or name")
    return units[0]


def check_usernames(usernames: list[str]) -> None:
    if len(set(usernames)) != len(usernames):
        raise CommandError("the three administrators need three different usernames")
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise CommandError(f"usernames already taken, nothing created: {', '.join(taken)}")


def create_account(username: str, role: Role, unit: Unit) -> tuple[User, str]:
    """A staff account holding ``role`` only, with a new one-time password."""
    user = User(username=username, unit=unit, role=role, is_staff=True)
    user.must_change_password = True
    password = one_time_password()
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise CommandError(f"{username}: {' '.join(exc.messages)}") from None
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, password


def one_time_password() -> str:
    """Random characters with at least one of each class, so any complexity rule is met."""
    pick = secrets.SystemRandom()
    chars = [pick.choice(group) for group in PASSWORD_CLASSES]
    alphabet = "".join(PASSWORD_CLASSES)
    chars += [pick.choice(alphabet) for _ in range(PASSWORD_LENGTH - len(chars))]
    pick.shuffle(chars)
    return "".join(chars)
