"""Forms of the warehouse pages: the list's filter, publishing one asset or several, and the
listing page's actions (edit, withdraw, photos, reserve).

The forms only shape input and narrow choices; every rule (who may, in which state, what a
physical listing needs) is the services' (:mod:`portal.assets.services.listings`,
:mod:`portal.assets.services.transfers`), which the views call with what the forms cleaned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.contrib.gis.db.models.functions import Distance
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import ConditionGrade, ListingMode, ListingReason, ListingStatus
from portal.assets.filters import ListingFilterSet
from portal.assets.models import Asset, Listing, ListingPhoto
from portal.assets.models.transfers import ACTIVE_RESERVATION_STATUSES
from portal.assets.models.warehouse import LIVE_LISTING_STATUSES
from portal.assets.services.listings import LISTABLE_STATUSES, WAREHOUSE_KINDS
from portal.buildings.models import Building
from portal.core.choices import Confidentiality
from portal.depots.models import Depot
from portal.org.scoping import cleared_q

if TYPE_CHECKING:
    from django.contrib.gis.geos import Point

    from portal.org.models import AdminDivision, Unit, User

# The levels an asset may be shared at: anything above "internal" stays with its holder.
SHAREABLE_LEVELS = list(Confidentiality.values)[: Confidentiality.rank("internal") + 1]
PHOTO_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"


# -- the list's filter --------------------------------------------------------------------------


class WarehouseFilterSet(ListingFilterSet):
    """The shared listing filter, with the page's widgets: checkboxes for the multiple choices."""

    reason = django_filters.MultipleChoiceFilter(
        choices=ListingReason.choices, label=_("reason"), widget=forms.CheckboxSelectMultiple
    )
    condition = django_filters.MultipleChoiceFilter(
        choices=ConditionGrade.choices, label=_("condition"), widget=forms.CheckboxSelectMultiple
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ListingStatus.choices, label=_("status"), widget=forms.CheckboxSelectMultiple
    )

    class Meta(ListingFilterSet.Meta):
        pass


# -- choices the pages offer --------------------------------------------------------------------


def share_choices(division: AdminDivision, current: str = "") -> list[tuple[str, str]]:
    """Sharing areas from the widest (the province) down to ``division`` itself, as prefixes."""
    chain = []
    node: AdminDivision | None = division
    while node is not None:
        chain.append(node)
        node = node.parent
    choices = {
        d.prefix: str(_("%(name)s (%(level)s)") % {"name": d.name, "level": d.get_level_display()})
        for d in reversed(chain)
    }
    if current and current not in choices:
        choices[current] = str(_("division codes starting %(prefix)s") % {"prefix": current})
    return list(choices.items())


def warehouse_depots(near: Point | None) -> QuerySet[Depot]:
    """Public asset warehouses (open to every unit's stock-in), nearest to ``near`` first."""
    depots = Depot.objects.filter(kind__in=WAREHOUSE_KINDS).select_related("division")
    if near is None:
        return depots.order_by("name")
    return depots.annotate(distance=Distance("geom", near)).order_by("distance", "name")


def listable_assets(user: User) -> QuerySet[Asset]:
    """The assets ``user`` may offer: editable, in a listable status, shareable, not listed,
    not reserved (an item of a transfer batch)."""
    return (
        Asset.objects.editable_by(user)
        .filter(status__in=LISTABLE_STATUSES, confidentiality__in=SHAREABLE_LEVELS)
        .exclude(listings__status__in=LIVE_LISTING_STATUSES)
        .exclude(reservations__status__in=ACTIVE_RESERVATION_STATUSES)
    )


def delivery_buildings(unit: Unit, user: User) -> QuerySet[Building]:
    """The buildings ``unit`` manages or occupies: where a reserved asset may be delivered."""
    used = Q(managing_unit=unit) | Q(occupancies__unit=unit)
    buildings = Building.objects.filter(used, cleared_q(Building, user))
    return buildings.distinct().order_by("name")


class DepotField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        distance = getattr(obj, "distance", None)
        if distance is None:
            return f"{obj.name} · {obj.division.name}"
        return str(
            _("%(name)s · %(division)s · %(km)s km")
            % {"name": obj.name, "division": obj.division.name, "km": f"{distance.km:.1f}"}
        )


# -- publishing -------------------------------------------------------------------------------


class TermsForm(forms.Form):
    """What the publisher says about an offer: why, how, where stocked, with whom shared."""

    reason = forms.ChoiceField(label=_("reason"), choices=ListingReason.choices)
    explanation = forms.CharField(
        label=_("explanation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    mode = forms.ChoiceField(
        label=_("mode"),
        choices=ListingMode.choices,
        initial=ListingMode.VIRTUAL,
        widget=forms.RadioSelect,
    )
    depot = DepotField(
        label=_("public asset warehouse"),
        queryset=Depot.objects.none(),
        required=False,
        help_text=_("Physical listings only: where the asset is stocked in."),
    )
    receipt_no = forms.CharField(
        label=_("stock-in receipt number"),
        max_length=40,
        required=False,
        help_text=_("Physical listings only."),
    )
    share_prefix = forms.ChoiceField(label=_("shared with the units of"))

    def __init__(self, *args: Any, division: AdminDivision, near: Point | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["depot"].queryset = warehouse_depots(near)  # type: ignore[attr-defined]
        self.fields["share_prefix"].choices = share_choices(division)  # type: ignore[attr-defined]

    def terms(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "explanation": data["explanation"],
            "mode": data["mode"],
            "depot": data["depot"],
            "receipt_no": data["receipt_no"],
            "share_prefix": data["share_prefix"],
        }


def publish_form(asset: Asset, data: Any = None) -> TermsForm:
    """The terms of offering ``asset``: shared within its holder's areas, warehouses near it."""
    near = asset.building.geom if asset.building is not None else asset.geom
    return TermsForm(data, division=asset.holder.division, near=near)


class BulkPublishForm(TermsForm):
    """Several assets offered alike; any asset the user can read may be posted (the service
    refuses, naming its ledger code, one it may not offer)."""

    assets = forms.ModelMultipleChoiceField(
        label=_("assets"), queryset=Asset.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    field_order = ["assets"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        unit = user.unit
        near = unit.location if unit is not None else None
        super().__init__(*args, division=unit.division, near=near, **kwargs)  # type: ignore[union-attr]
        self.fields["assets"].queryset = Asset.objects.visible_to(user)  # type: ignore[attr-defined]


# -- the listing page's actions ---------------------------------------------------------------


class EditForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=ListingReason.choices)
    explanation = forms.CharField(
        label=_("explanation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    share_prefix = forms.ChoiceField(label=_("shared with the units of"))

    def __init__(self, listing: Listing, *args: Any, **kwargs: Any) -> None:
        initial = {
            "reason": listing.reason,
            "explanation": listing.explanation,
            "share_prefix": listing.share_prefix,
        }
        super().__init__(*args, initial=initial, prefix="edit", **kwargs)
        choices = share_choices(listing.holder.division, listing.share_prefix)
        self.fields["share_prefix"].choices = choices  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    document_no = forms.CharField(
        label=_("stock-out document number"),
        max_length=40,
        required=False,
        help_text=_("For an asset stocked in a warehouse: the slip of its stock-out."),
    )

    def __init__(self, listing: Listing, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)
        if listing.mode != ListingMode.PHYSICAL:
            del self.fields["document_no"]


class PhotoForm(forms.Form):
    file = forms.FileField(
        label=_("photo"),
        help_text=_("JPEG or PNG."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    def __init__(self, listing: Listing, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="photo", **kwargs)


class RemovePhotoForm(forms.Form):
    photo = forms.ModelChoiceField(queryset=ListingPhoto.objects.none(), widget=forms.HiddenInput)

    def __init__(self, listing: Listing, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].queryset = listing.photos.all()  # type: ignore[attr-defined]


class ReserveForm(forms.Form):
    delivery_building = forms.ModelChoiceField(
        label=_("delivery building"), queryset=Building.objects.none()
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, listing: Listing, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, prefix="reserve", **kwargs)
        if user.unit is not None:
            buildings = delivery_buildings(user.unit, user)
            self.fields["delivery_building"].queryset = buildings  # type: ignore[attr-defined]
