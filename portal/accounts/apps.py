from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Account controls of MLPS level 3: password policy, lockout, second factor, single sign-on."""

    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
