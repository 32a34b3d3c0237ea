"""The form that takes a report's snapshot, and the one that moves it on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.ledgers.choices import LedgerKind
from portal.org.models import Unit

if TYPE_CHECKING:
    from portal.org.models import User


def fileable_units(user: User) -> QuerySet[Unit]:
    """Units whose report ``user`` might take: his own, and the offices administration of his
    own division (the services decide for each kind)."""
    if user.unit is None:
        return Unit.objects.none()
    admin = Q(offices_administration=True, division=user.unit.division_id)
    return Unit.objects.editable_by(user).filter(Q(pk=user.unit_id) | admin).order_by("name")


class TakeForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("kind"), choices=LedgerKind.choices)
    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = fileable_units(user)  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=10)
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea)
