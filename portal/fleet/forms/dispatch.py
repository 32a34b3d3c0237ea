"""Forms of the dispatch page: assign (or reassign) a vehicle and a driver, release an assignment.

The choices are the vehicles and drivers of the pool's member units; whether a pair suits the
trip and is free is the dispatch service's to decide, which says why when it does not.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.fleet.models import Booking, Driver, Vehicle


class AssignForm(forms.Form):
    """One row's Assign button: the vehicle of the row and the driver chosen beside it."""

    vehicle = forms.ModelChoiceField(label=_("vehicle"), queryset=Vehicle.objects.none())
    driver = forms.ModelChoiceField(label=_("driver"), queryset=Driver.objects.none())
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args: Any, booking: Booking, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = booking.pool.members.all()
        self.fields["vehicle"].queryset = Vehicle.objects.filter(holder__in=members)
        self.fields["driver"].queryset = Driver.objects.filter(unit__in=members)


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for release"), max_length=200, required=False, strip=True
    )
