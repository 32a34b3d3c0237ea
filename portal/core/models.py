from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryModel(models.Model):
    """Fields every registry record carries: when it was written and whether it is demo data."""

    synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        help_text=_("Generated demonstration data, not a real record."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
