"""Forms of the booking pages: the request (also its amendment), cancelling, signing a step and
the list's filter. The places come as CGCS2000 longitude/latitude, filled by a click on the map
or by the place search (``booking_form.js``), or typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.fleet.choices import (
    ApprovalDecision,
    BookingStatus,
    RegionClass,
    TripType,
    VehicleType,
)
from portal.fleet.models import Booking, VehiclePool
from portal.fleet.services.bookings import AMENDABLE_FIELDS
from portal.org.models import Unit, User
from portal.org.scoping import edit_scope

# Sichuan and Chongqing with a margin: a point beyond is a typo (or swapped axes), not a trip.
LON_RANGE, LAT_RANGE = (95.0, 112.0), (24.0, 36.0)
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _coordinate(label: str, bounds: tuple[float, float]) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=bounds[0],
        max_value=bounds[1],
        widget=forms.NumberInput(attrs={"step": "0.000001"}),
    )


def requestable_units(user: User) -> QuerySet[Unit]:
    """Units ``user`` may request vehicles for: in his edit scope and members of an open pool."""
    units = Unit.objects.filter(edit_scope(user).q(""), vehicle_pools__active=True)
    return units.distinct().order_by("division__code", "name")


class BookingForm(forms.Form):
    """A trip request; with ``amend=True`` the amendment of one (no unit or pool, a note)."""

    unit = forms.ModelChoiceField(label=_("requesting unit"), queryset=Unit.objects.none())
    pool = forms.ModelChoiceField(label=_("pool"), queryset=VehiclePool.objects.none())
    trip_type = forms.ChoiceField(label=_("trip type"), choices=TripType.choices)
    purpose = forms.CharField(label=_("purpose"), max_length=300)
    passengers = forms.IntegerField(label=_("passengers"), min_value=1, max_value=60)
    passenger_names = forms.CharField(
        label=_("passenger names"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    origin_label = forms.CharField(label=_("origin place"), max_length=200)
    origin_lon = _coordinate(_("origin longitude"), LON_RANGE)
    origin_lat = _coordinate(_("origin latitude"), LAT_RANGE)
    destination_label = forms.CharField(label=_("destination place"), max_length=200)
    destination_lon = _coordinate(_("destination longitude"), LON_RANGE)
    destination_lat = _coordinate(_("destination latitude"), LAT_RANGE)
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DATETIME_WIDGET)
    round_trip = forms.BooleanField(label=_("round trip"), required=False, initial=True)
    seats_needed = forms.IntegerField(label=_("seats needed"), min_value=1, max_value=60)
    nev_ok = forms.BooleanField(
        label=_("new-energy vehicle acceptable"), required=False, initial=True
    )
    vehicle_type = forms.ChoiceField(
        label=_("preferred vehicle type"),
        required=False,
        choices=[("", _("any type")), *list(VehicleType.choices)],
    )
    note = forms.CharField(
        label=_("reason for the amendment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: User, amend: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if amend:
            del self.fields["unit"], self.fields["pool"]
            return
        del self.fields["note"]
        units = requestable_units(user)
        self.fields["unit"].queryset = units
        self.fields["pool"].queryset = VehiclePool.objects.filter(active=True)
        if user.unit_id and units.filter(pk=user.unit_id).exists():
            self.fields["unit"].initial = user.unit_id

    def booking_fields(self) -> dict[str, Any]:
        """The cleaned request as the booking services take it."""
        data = dict(self.cleaned_data)
        data.pop("note", None)
        data["origin"] = Point(data.pop("origin_lon"), data.pop("origin_lat"), srid=4490)
        data["destination"] = Point(
            data.pop("destination_lon"), data.pop("destination_lat"), srid=4490
        )
        return data

    def changed_fields(self) -> dict[str, Any]:
        """The amendable fields the user changed from the form's initial values (the booking
        as it stood): a time shown to the minute is not a change of its seconds."""
        changed = set(self.changed_data)
        for end in ("origin", "destination"):
            if {f"{end}_lon", f"{end}_lat"} & changed:
                changed.add(end)
        fields = self.booking_fields()
        return {name: fields[name] for name in AMENDABLE_FIELDS if name in changed}


def initial_from(booking: Booking) -> dict[str, Any]:
    """The amendment form's starting values: the booking as it stands."""
    initial = {name: getattr(booking, name) for name in AMENDABLE_FIELDS}
    for name in ("starts_at", "ends_at"):  # as the datetime-local input shows them
        initial[name] = initial[name].replace(second=0, microsecond=0)
    for end in ("origin", "destination"):
        place = initial.pop(end)
        initial[f"{end}_lon"], initial[f"{end}_lat"] = round(place.x, 6), round(place.y, 6)
    return initial


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for cancelling"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=ApprovalDecision.choices)
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting."),
    )


class BookingFilterForm(forms.Form):
    """The list's filter (every field optional)."""

    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("any")), *list(BookingStatus.choices)]
    )
    region_class = forms.ChoiceField(
        label=_("region class"),
        required=False,
        choices=[("", _("any")), *list(RegionClass.choices)],
    )
    trip_type = forms.ChoiceField(
        label=_("trip type"), required=False, choices=[("", _("any")), *list(TripType.choices)]
    )
    starts_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("search"), required=False, max_length=100)

    def apply(self, bookings: QuerySet[Booking]) -> QuerySet[Booking]:
        data = self.cleaned_data
        for name in ("status", "region_class", "trip_type"):
            if data[name]:
                bookings = bookings.filter(**{name: data[name]})
        if data["starts_from"]:
            bookings = bookings.filter(starts_at__date__gte=data["starts_from"])
        if data["starts_to"]:
            bookings = bookings.filter(starts_at__date__lte=data["starts_to"])
        if data["q"]:
            text = data["q"]
            bookings = bookings.filter(
                Q(purpose__icontains=text)
                | Q(origin_label__icontains=text)
                | Q(destination_label__icontains=text)
                | Q(unit__name__icontains=text)
            )
        return bookings
