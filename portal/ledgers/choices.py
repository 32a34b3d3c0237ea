from django.db import models
from django.utils.translation import pgettext_lazy


class LedgerKind(models.TextChoices):
    """A unit's sub-ledger (分台账) or an offices administration's master ledger (总台账)."""

    SUB = "sub", pgettext_lazy("ledger", "sub-ledger")
    MASTER = "master", pgettext_lazy("ledger", "master ledger")


class LedgerStatus(models.TextChoices):
    """An annual report moves up level by level: drafted, submitted, returned or accepted."""

    DRAFT = "draft", pgettext_lazy("ledger", "draft")
    SUBMITTED = "submitted", pgettext_lazy("ledger", "submitted for review")
    RETURNED = "returned", pgettext_lazy("ledger", "returned with comments")
    ACCEPTED = "accepted", pgettext_lazy("ledger", "accepted")


class LedgerAction(models.TextChoices):
    TAKEN = "taken", pgettext_lazy("ledger action", "snapshot taken")
    SUBMITTED = "submitted", pgettext_lazy("ledger action", "submitted")
    RETURNED = "returned", pgettext_lazy("ledger action", "returned with comments")
    ACCEPTED = "accepted", pgettext_lazy("ledger action", "accepted")
