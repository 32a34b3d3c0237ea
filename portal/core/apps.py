from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def guard_history(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """Give tables tracked by models added after the guard migration their history guards."""
    from portal.core import sql

    sql.scalar(connections[using], sql.GUARD_HISTORY)


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from portal.core import requestid

        post_migrate.connect(guard_history, sender=self, dispatch_uid="tianfu-guard-history")
        request_started.connect(requestid.on_request_started, dispatch_uid="tianfu-request-id")
        request_finished.connect(requestid.on_request_finished, dispatch_uid="tianfu-request-id")
