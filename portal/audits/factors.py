"""Audit receivers for the second factor (django-otp) and for unlocks (django-axes).

django-otp 1.7 sends no signal when a code is accepted (only its forms send one for a refused
code), so a success is read from the device's own save: ``verify_token`` stores the time step
it accepted (``last_t``), and only an accepted code moves it forward. An enrolment is the save
that confirms the device. Removing a confirmed device is a reset (admin action or deletion).

An unlock is the deletion of axes's failure records (admin page or ``axes_reset*``
commands). Axes also deletes attempts whose cool-off has passed, on its own, during sign-ins:
those are expiries, not unlocks, and are not recorded.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audits.choices import AuditAction
from portal.audits.services import record_event


def remember_device(sender: Any, instance: TOTPDevice, raw: bool, **kwargs: Any) -> None:
    """Read the stored confirmation and accepted time step before a save (compared after)."""
    instance._audit_before = None
    if raw or instance.pk is None:
        return
    stored = sender._base_manager.filter(pk=instance.pk).values("confirmed", "last_t").first()
    instance._audit_before = stored


def on_device_saved(
    sender: Any, instance: TOTPDevice, created: bool, raw: bool, **kwargs: Any
) -> None:
    if raw:
        return
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        if instance.confirmed:  # made confirmed at once (by an administrator)
            record_event(AuditAction.OTP_ENROLLED, target=_owner(instance))
        return
    if instance.confirmed and not before["confirmed"]:
        record_event(AuditAction.OTP_ENROLLED, target=_owner(instance))
    elif before["confirmed"] and instance.last_t > before["last_t"]:
        record_event(AuditAction.OTP_VERIFIED, target=_owner(instance))


def on_device_deleted(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    # An unconfirmed device is an enrolment not finished: removing it changes nothing.
    if instance.confirmed:
        record_event(AuditAction.OTP_REMOVED, target=_owner(instance))


def on_failures_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender is AccessAttempt and _expired(instance):
        return  # axes's own clean-up, not an unlock
    detail = {"record": sender._meta.model_name, "ip_address": instance.ip_address}
    if sender is AccessAttempt:
        detail["failures"] = instance.failures_since_start
    record_event(AuditAction.UNLOCKED, target=instance.username or "", detail=detail)


def _expired(attempt: AccessAttempt) -> bool:
    cool_off = get_cool_off()
    return cool_off is not None and attempt.attempt_time <= timezone.now() - cool_off


def _owner(device: TOTPDevice) -> str:
    try:
        return str(device.user.get_username())
    except ObjectDoesNotExist:  # removed together with its account, which went first
        return f"user {device.user_id}"


def connect() -> None:
    """Connect every receiver once (``dispatch_uid``), from :func:`signals.connect`."""
    pairs: tuple[tuple[Any, Any, Any], ...] = (
        (pre_save, remember_device, TOTPDevice),
        (post_save, on_device_saved, TOTPDevice),
        (post_delete, on_device_deleted, TOTPDevice),
        (post_delete, on_failures_deleted, AccessAttempt),
        (post_delete, on_failures_deleted, AccessFailureLog),
    )
    for signal, receiver, sender in pairs:
        uid = f"audits.{receiver.__name__}.{sender.__name__}"
        signal.connect(receiver, sender=sender, dispatch_uid=uid)
