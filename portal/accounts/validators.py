"""Password validators of MLPS level 3, listed in AUTH_PASSWORD_VALIDATORS next to Django's
length, similarity, common-password and all-digits checks."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.models import PasswordHistory
from portal.accounts.services import record_password
from portal.org.models import User


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and other characters ``password`` mixes.

    Characters without case (Chinese, symbols, spaces) count as "other".
    """
    kinds = {
        "upper" if c.isupper() else "lower" if c.islower() else "digit" if c.isdigit() else "other"
        for c in password
    }
    return len(kinds)


class CharacterClassValidator:
    """At least ``min_classes`` of the four character classes."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_plain")

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(count)d of: upper-case letters, lower-case "
            "letters, digits, and symbols or other characters."
        ) % {"count": self.min_classes}


class PasswordHistoryValidator:
    """None of the account's last TIANFU_PASSWORD_HISTORY passwords again (0: no check).

    The history holds hashes only, written whenever a password is saved (``password_changed``
    is called by ``User.save`` after ``set_password``). The current password is refused too,
    also for an account whose password predates the history.
    """

    def validate(self, password: str, user: User | None = None) -> None:
        count = settings.TIANFU_PASSWORD_HISTORY
        if not count or user is None or user.pk is None:
            return
        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:count]
        )
        if user.has_usable_password() and user.password not in hashes:
            hashes.insert(0, user.password)
        if any(check_password(password, encoded) for encoded in hashes[:count]):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: User | None = None) -> None:
        if user is not None:
            record_password(user, keep=settings.TIANFU_PASSWORD_HISTORY)

    def get_help_text(self) -> str:
        count = settings.TIANFU_PASSWORD_HISTORY
        return ngettext(
            "Your password must differ from your current password.",
            "Your password must differ from your last %(count)d passwords.",
            count,
        ) % {"count": count}
