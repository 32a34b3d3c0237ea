from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Account controls of MLPS level 3: password policy, lockout, second factor, single sign-on."""

    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from portal.accounts import signals  # noqa: F401  (connects the sign-in receiver)
        from portal.accounts.checks import check_otp_roles

        checks.register(check_otp_roles)
