"""The audit pages' forms: the list's filter (shared by its exports) and the purge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.audits.choices import AuditAction, AuditResult
from portal.audits.services import retention_floor

ANY = ("", _("any"))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(forms.Form):
    start = forms.DateField(label=_("from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("to"), required=False, widget=DateInput())
    username = forms.CharField(label=_("user name"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("action"), required=False, choices=[ANY, *AuditAction.choices]
    )
    result = forms.ChoiceField(
        label=pgettext_lazy("audit", "result"), required=False, choices=[ANY, *AuditResult.choices]
    )
    ip = forms.CharField(
        label=_("source address"),
        required=False,
        max_length=45,
        help_text=_("An address, or its beginning (10.1.)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The first date is after the last one."))
        return data

    def criteria(self) -> dict[str, Any]:
        """The cleaned filter, with the days as times: ``end`` includes its whole day."""
        data = dict(self.cleaned_data)
        data["start"] = start_of(data["start"]) if data.get("start") else None
        data["end"] = start_of(data["end"] + dt.timedelta(days=1)) if data.get("end") else None
        return data

    def described(self) -> dict[str, str]:
        """The filter as it was asked, for the record of an export."""
        return {name: str(value) for name, value in self.cleaned_data.items() if value}


class PurgeForm(forms.Form):
    before = forms.DateField(label=_("delete events before"), widget=DateInput())
    # The count the administrator confirmed; a purge goes ahead only if it still holds.
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_before(self) -> dt.date:
        before: dt.date = self.cleaned_data["before"]
        latest = timezone.localdate(retention_floor())
        if before > latest:
            raise forms.ValidationError(
                _("Events of the retention period are kept: choose %(date)s or earlier.")
                % {"date": date_format(latest)}
            )
        return before

    def before_time(self) -> dt.datetime:
        return start_of(self.cleaned_data["before"])
