"""Errors of the title registry: each knows its HTTP meaning and names what to fix."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class CaseForbiddenError(PortalError):
    """The user's role or scope does not allow the action (outside the unit, wrong role)."""

    http_status = 403
    default_message = _("You may not change this title case.")


class CaseStateError(PortalError):
    """The case is not in a state where the action applies (perhaps someone moved it first)."""

    http_status = 409
    default_message = _("This title case is not in a state that allows this action.")


class CaseRequirementError(PortalError):
    """Something the action needs is missing or wrong: a document, a check, a field."""

    http_status = 400
    default_message = _("This title case does not yet meet the requirements of this action.")


class DocumentRejectedError(PortalError):
    """An uploaded source document is empty, too big, or not the type it claims to be."""

    http_status = 400
    default_message = _("The document was refused.")


class FindingForbiddenError(PortalError):
    http_status = 403
    default_message = _("You may not decide on this title conflict.")


class FindingStateError(PortalError):
    http_status = 409
    default_message = _("This title conflict is not in a state that allows this decision.")


class FindingReasonError(PortalError):
    http_status = 400
    default_message = _("Give the reason for this decision.")


class RunForbiddenError(PortalError):
    http_status = 403
    default_message = _("Only province administrators may run the conflict detection.")
