"""Errors of the OGC API, answered as the standard's exception object ``{code, description}``."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class OGCError(PortalError):
    """Base: ``code`` is the exception code the OGC API answers beside the user message."""

    code = "InvalidRequest"


class InvalidParameterError(OGCError):
    """A query parameter is unknown or its value is not valid (400, naming the parameter)."""

    code = "InvalidParameterValue"
    default_message = _("A query parameter is not valid.")


class CollectionNotFoundError(OGCError):
    http_status = 404
    code = "NotFound"
    default_message = _("No such collection.")


class FeatureNotFoundError(OGCError):
    """No feature with that id, or one the user may not read: the two answer alike, so a
    client learns nothing of records outside its scope."""

    http_status = 404
    code = "NotFound"
    default_message = _("No such feature in this collection.")
