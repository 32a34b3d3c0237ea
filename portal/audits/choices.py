from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditAction(models.TextChoices):
    """What an audit event records."""

    LOGIN = "login", _("sign-in")
    LOGIN_FAILED = "login_failed", _("failed sign-in")
    LOGOUT = "logout", _("sign-out")
    LOCKED_OUT = "locked_out", _("locked out")
    PASSWORD_CHANGED = "password_changed", pgettext_lazy("audit action", "password changed")
    PERMISSION_CHANGED = "permission_changed", _("permissions changed")
    ACCOUNT_CREATED = "account_created", _("account created")
    ACCOUNT_DELETED = "account_deleted", _("account deleted")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    OTP_ENROLLED = "otp_enrolled", _("second factor enrolled")
    OTP_VERIFIED = "otp_verified", _("second factor verified")
    OTP_REMOVED = "otp_removed", _("second factor removed")
    UNLOCKED = "unlocked", _("sign-in failures cleared")
    EXPORT = "export", _("export")
    IMPORT = "import", pgettext_lazy("audit action", "import")
    CONFIDENTIAL_VIEW = "confidential_view", _("view of a classified record")
    AUDIT_ACCESS = "audit_access", _("audit access")
    AUDIT_EXPORT = "audit_export", _("audit export")
    AUDIT_PURGE = "audit_purge", _("audit purge")
    AUDIT_VERIFY = "audit_verify", _("audit verification")


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")
    DENIED = "denied", _("denied")
