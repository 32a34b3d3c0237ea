"""Forms of the trip and statement pages: the log sheet that completes a trip, the trip list's
filter and the statement's month and unit.

They only shape input; every rule (who may complete, which figures are refused, which tariff
applies) is :mod:`portal.fleet.services.trips`', which the views call with what the forms
cleaned.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fleet.services.settlement import YEARS, Month, statement_units
from portal.fleet.services.trips import TripFigures

if TYPE_CHECKING:
    from portal.fleet.models import Booking
    from portal.org.models import User

KM: Final = {"max_digits": 9, "decimal_places": 1}
MONEY: Final = {"max_digits": 12, "decimal_places": 2, "initial": Decimal("0.00")}
WHEN_FORMATS: Final = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
MONTH: Final = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("Give a month as YYYY-MM."))


class WhenInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _when(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, input_formats=WHEN_FORMATS, widget=WhenInput())


def _money(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, **MONEY)  # type: ignore[arg-type]


class TripForm(forms.Form):
    """The driver's log sheet: odometer, actual times, energy and what was paid on the road."""

    odometer_start = forms.DecimalField(label=_("odometer at start (km)"), **KM)
    odometer_end = forms.DecimalField(label=_("odometer at end (km)"), **KM)
    actual_start = _when(_("actual start"))
    actual_end = _when(_("actual end"))
    fuel_litres = forms.DecimalField(
        label=_("fuel (litres)"), required=False, max_digits=7, decimal_places=2
    )
    fuel_cost = _money(_("fuel cost (yuan)"))
    charge_kwh = forms.DecimalField(
        label=_("charging (kWh)"), required=False, max_digits=8, decimal_places=2
    )
    charge_cost = _money(_("charging cost (yuan)"))
    tolls = _money(_("tolls (yuan)"))
    parking = _money(_("parking (yuan)"))
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def for_booking(cls, booking: Booking, odometer_km: int, **kwargs: Any) -> TripForm:
        """The form pre-filled with the booked window and the vehicle's last odometer."""
        initial = {
            "odometer_start": Decimal(odometer_km),
            "actual_start": timezone.localtime(booking.starts_at),
            "actual_end": timezone.localtime(booking.ends_at),
        }
        return cls(initial=initial, **kwargs)

    def figures(self) -> TripFigures:
        data = self.cleaned_data
        zero = Decimal("0.00")
        return TripFigures(
            odometer_start=data["odometer_start"],
            odometer_end=data["odometer_end"],
            actual_start=data["actual_start"],
            actual_end=data["actual_end"],
            fuel_litres=data["fuel_litres"],
            fuel_cost=data["fuel_cost"] or zero,
            charge_kwh=data["charge_kwh"],
            charge_cost=data["charge_cost"] or zero,
            tolls=data["tolls"] or zero,
            parking=data["parking"] or zero,
            notes=data["notes"],
        )


def last_month() -> Month:
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return Month(previous.year, previous.month)


class MonthForm(forms.Form):
    """A month, ``YYYY-MM``; last month when none is given."""

    month = forms.CharField(label=_("month"), required=False, validators=[MONTH])

    def clean_month(self) -> str:
        text: str = self.cleaned_data["month"]
        if text:
            try:
                Month.parse(text)
            except ValueError:
                raise forms.ValidationError(
                    _("Give a month between %(first)d-01 and %(last)d-12.")
                    % {"first": YEARS[0], "last": YEARS[1]}
                ) from None
        return text

    def period(self) -> Month:
        text = self.cleaned_data.get("month")
        return Month.parse(text) if text else last_month()


class TripFilterForm(MonthForm):
    """The trip list: trips that ended in a month, or all when no month is given."""

    def period_or_none(self) -> Month | None:
        text = self.cleaned_data.get("month")
        return Month.parse(text) if text else None


class StatementForm(MonthForm):
    """The statement's unit, among those the user may open, and its month."""

    unit = forms.ModelChoiceField(label=_("unit"), queryset=None, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = statement_units(user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        own = getattr(user, "unit", None)
        self.default_unit = own if own is not None and units.filter(pk=own.pk).exists() else None

    def chosen_unit(self) -> Any:
        return self.cleaned_data.get("unit") or self.default_unit
