"""Shared steps of the account tests: sign in through the form, codes of an authenticator app."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[3]


def code_of(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code the device does not accept now (nor within its tolerance window)."""
    right = {
        f"{totp(device.bin_key, device.step, device.t0 + shift * device.step, device.digits):06d}"
        for shift in range(-2, 3)
    }
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(client, username: str, password: str = PASSWORD, *, next: str = "", **extra):
    """Post the login form as a browser does (the whole path: axes, backends, signals);
    ``extra`` goes to the request (headers, ``secure``)."""
    data = {"username": username, "password": password, "next": next}
    return client.post("/accounts/login/", data, **extra)


def settings_under(names: tuple[str, ...], **env: str) -> dict | str:
    """The settings ``names`` as portal/settings.py derives them from ``env`` (test mode unless
    ``env`` says otherwise), read in a fresh interpreter; the error text if it refuses to start."""
    code = (
        "import json, portal.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, default=str))"
    )
    # The run's own TIANFU_* variables (and DATABASE_URL) stay out: only ``env`` counts.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TIANFU_") and name != "DATABASE_URL"
    }
    environment = {**inherited, "TIANFU_MODE": "test", **env}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    return json.loads(done.stdout) if done.returncode == 0 else done.stderr
