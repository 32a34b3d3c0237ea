"""Sign-in pages: password, second factor (verification and enrolment), password change, and the
single sign-on endpoints."""

import logging
from base64 import b32encode
from typing import Any

import jwt
import qrcode
import qrcode.image.svg
import requests
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from portal.accounts import policy, services
from portal.accounts.backends import sso_enabled
from portal.accounts.exceptions import AlreadyEnrolledError, WrongCodeError
from portal.accounts.forms import CodeForm
from portal.core.views import refused

log = logging.getLogger(__name__)


def requested_next(request: HttpRequest) -> str:
    """The page the user was on their way to, as the form or the link carried it."""
    return request.POST.get("next") or request.GET.get("next") or ""


def next_url(request: HttpRequest) -> str:
    """Where to go once a step is done: the page asked for, if it is on this site."""
    wanted = requested_next(request)
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else resolve_url("core:home")


class LoginView(auth_views.LoginView):
    """The password form, with the single sign-on link when it is configured."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(sso_enabled=sso_enabled(), **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; the page a forced change or an expired password leads to."""

    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            expired=policy.password_expired(user),
            required=user.must_change_password,
            enrolled=policy.has_device(self.request),
            next=requested_next(self.request),
            **kwargs,
        )

    def form_valid(self, form: Any) -> HttpResponse:
        services.change_own_password(form)
        # Other sessions of the account end; this one goes on (and stays verified).
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(next_url(self.request))


class SecondFactorView(LoginRequiredMixin, FormView):
    """The code of an enrolled account's authenticator app, after its password."""

    template_name = "accounts/otp_verify.html"
    form_class = CodeForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and (user.is_verified() or not _still_enrolled(request)):
            return HttpResponseRedirect(next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(next=requested_next(self.request), **kwargs)

    def form_valid(self, form: CodeForm) -> HttpResponse:
        request, user = self.request, self.request.user
        if AxesProxyHandler.is_locked(request, get_credentials(user.get_username())):
            return _end_locked_session(request)
        try:
            device = services.check_second_factor(user, form.cleaned_data["code"])
        except WrongCodeError as exc:
            # Counted like a wrong password: by the lockout and by the security audit.
            credentials = {"username": user.get_username()}
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _end_locked_session(request)
            form.add_error("code", exc.user_message)
            return self.form_invalid(form)
        otp_login(request, device)
        return HttpResponseRedirect(next_url(request))


def _still_enrolled(request: HttpRequest) -> bool:
    """Re-read whether the account has a device: the security administrator may have reset it
    since the session cached the answer."""
    request.session.pop(policy.DEVICE_SESSION_KEY, None)
    return policy.has_device(request)


def _end_locked_session(request: HttpRequest) -> HttpResponse:
    """Sign the half-signed-in session out; axes's middleware answers with the lockout page."""
    request.axes_locked_out = True
    logout(request)
    return HttpResponseRedirect(reverse("login"))


class SecondFactorSetupView(LoginRequiredMixin, FormView):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code."""

    template_name = "accounts/otp_setup.html"
    form_class = CodeForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.device = services.start_enrolment(request.user)
        except AlreadyEnrolledError as exc:
            return refused(request, exc, back_url=resolve_url("core:home"), back_label=_("Home"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        device = getattr(self, "device", None) or services.start_enrolment(self.request.user)
        secret = b32encode(device.bin_key).decode()
        return super().get_context_data(
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            required=policy.otp_required(self.request.user),
            next=requested_next(self.request),
            **kwargs,
        )

    def form_valid(self, form: CodeForm) -> HttpResponse:
        try:
            device = services.confirm_enrolment(self.request.user, form.cleaned_data["code"])
        except WrongCodeError as exc:
            form.add_error("code", exc.user_message)
            return self.form_invalid(form)
        except AlreadyEnrolledError as exc:
            return refused(
                self.request, exc, back_url=resolve_url("core:home"), back_label=_("Home")
            )
        otp_login(self.request, device)
        self.request.session[policy.DEVICE_SESSION_KEY] = True
        messages.success(self.request, _("Your authenticator app is set up."))
        return HttpResponseRedirect(next_url(self.request))


class SecondFactorQRView(LoginRequiredMixin, View):
    """The QR code of the device being enrolled, as an SVG image drawn on the server."""

    def get(self, request: HttpRequest) -> HttpResponse:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            raise Http404
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        response = HttpResponse(image.to_string(), content_type="image/svg+xml")
        # The image holds the secret: never kept by a cache or the browser.
        response["Cache-Control"] = "no-store"
        return response


class SingleSignOnStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provincial identity provider; 404 while it is not configured."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SingleSignOnCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: signs in the matching account, or back to the login page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso_enabled():
            raise Http404
        try:
            return super().dispatch(request, *args, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as exc:
            # A forged or replayed answer, or a provider that does not answer: a failed sign-in.
            log.warning("single sign-on refused: %s", exc)
            credentials = {"username": None, "sso": "refused"}
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            _(
                "Sign-in with the provincial identity did not succeed. If it keeps failing, ask "
                "the security administrator whether your identity is linked to an account."
            ),
        )
        return HttpResponseRedirect(reverse("login"))
