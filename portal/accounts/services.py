"""Writes of the account controls: password history, password change, second-factor devices."""

from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.exceptions import AlreadyEnrolledError, WrongCodeError
from portal.accounts.models import PasswordHistory
from portal.core.services import writing
from portal.org.models import User

# A label for the admin's device list, stored as data (not translated).
DEVICE_NAME = "authenticator app"


def record_password(user: User, *, keep: int) -> None:
    """Remember the hash of ``user``'s new password and forget all but the ``keep`` latest."""
    if keep < 1 or user.pk is None:
        return
    with transaction.atomic():
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def change_own_password(form: PasswordChangeForm) -> User:
    """Save the password a user chose for themselves: it no longer has to be changed."""
    with writing(form.user, action="password_change"):
        form.user.must_change_password = False
        return form.save()


def start_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed device ``user`` is enrolling, made on first call; the secret stays the
    same on reload so the code of an app already set up keeps working."""
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise AlreadyEnrolledError
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm_enrolment(user: User, token: str) -> TOTPDevice:
    """Confirm the device being enrolled with a code it shows; raise WrongCodeError if not."""
    with transaction.atomic():
        device = start_enrolment(user)
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token):
            raise WrongCodeError
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device


def check_second_factor(user: User, token: str) -> TOTPDevice:
    """The confirmed device of ``user`` that accepts ``token``; raise WrongCodeError if none.

    Each device is checked under a row lock (django_otp.verify_token), so a code is accepted
    once and the device's throttling counts concurrent guesses.
    """
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    raise WrongCodeError


def reset_second_factor(user: User, *, by: User) -> int:
    """Remove every second-factor device of ``user`` (lost phone): they enrol again at the next
    sign-in if their role requires it. Returns the number of devices removed."""
    with writing(by, action="reset_second_factor"):
        removed, _per_model = TOTPDevice.objects.filter(user=user).delete()
    return removed
