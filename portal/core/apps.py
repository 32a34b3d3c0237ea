from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from portal.core import requestid

        request_started.connect(requestid.on_request_started, dispatch_uid="tianfu-request-id")
        request_finished.connect(requestid.on_request_finished, dispatch_uid="tianfu-request-id")
