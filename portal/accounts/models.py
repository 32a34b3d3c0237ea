from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy


class PasswordHistory(models.Model):
    """A password an account had, as its hash only: new passwords may not repeat recent ones."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_history_recent")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(TokenProxy):
    """An API token as the admin shows it: by user and key prefix, never the whole key, which
    would be a credential on every page, link and log entry that prints the object."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return token_label(self)


def token_label(token: TokenProxy) -> str:
    return f"{token.user} ({token.key[:6]}…)"
