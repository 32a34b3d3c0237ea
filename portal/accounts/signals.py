from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

from portal.accounts.policy import DEVICE_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="accounts_fresh_second_factor")
def start_second_factor_anew(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A sign-in asks for the second factor again, even when the same account signs in anew
    within a session that had passed it (Django keeps session data across such a sign-in); and
    it notes whether the account has a device, so that page requests need no query for it."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session[DEVICE_SESSION_KEY] = user_has_device(user)
