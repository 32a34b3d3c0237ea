from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.audits.choices import AuditAction, AuditResult
from portal.audits.querysets import AuditEventQuerySet


class AuditEvent(models.Model):
    """One security-relevant event: when, who, from where, what, on what, and with what result.

    Rows are only ever appended (by :func:`portal.audits.services.record_event`); a database
    trigger refuses UPDATE and TRUNCATE, and DELETE except a purge of rows past the retention
    floor. Each row's ``tag`` is the integrity tag of the previous row's tag followed by this
    row's canonical JSON, so a changed, inserted or removed row breaks the chain.

    ``user`` keeps the id of the account even after it is deleted: no database constraint, and
    nothing done on deletion, because setting it to NULL would change an audit row. ``username``
    is the name as it was, and what pages and exports show.
    """

    at = models.DateTimeField(_("time"), db_default=Now(), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.TextField(_("user name"), blank=True)
    source_ip = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction)
    result = models.CharField(pgettext_lazy("audit", "result"), max_length=8, choices=AuditResult)
    target = models.TextField(_("target"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_tag = models.TextField(_("previous tag"), blank=True)
    tag = models.TextField(_("integrity tag"))

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["username", "at"], name="audits_event_user_at"),
            models.Index(fields=["action", "at"], name="audits_event_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.result}"
