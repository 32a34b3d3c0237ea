"""``manage.py reset_admin_account <username>``: the out-of-band reset of an administrator.

The web admin never changes the system, security or audit administrator's account (each duty
would otherwise take over another). When one forgets the password, loses the authenticator or
is locked out, an operator with the server shell runs this: a new one-time password is printed
once and must be changed at the next sign-in, the second-factor devices are removed (enrolled
again after sign-in) and the sign-in failures of the user name are cleared.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from axes.utils import reset as reset_lockout
from django.contrib.auth import password_validation
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.duties import holds_admin_duty
from portal.core.services import writing
from portal.org.management.commands.create_admin_accounts import one_time_password
from portal.org.models import User


class Command(BaseCommand):
    help = (
        "Reset an administrator account (system, security or audit administrator): new one-time "
        "password printed once, second factor removed, lockout cleared."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="the administrator account's username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}")
        if not holds_admin_duty(user):
            raise CommandError(
                f"{username!r} holds no administrator duty: the security administrator "
                "resets it in the web admin"
            )
        password = one_time_password()
        password_validation.validate_password(password, user)
        with writing(None, command="reset_admin_account"):
            user.set_password(password)
            user.must_change_password = True
            user.save()
            TOTPDevice.objects.filter(user=user).delete()
        reset_lockout(username=username)
        self.stdout.write(f"{username}\t{user.role}\t{password}")
        self.stdout.write("The password is shown only once and must be changed at sign-in.")
