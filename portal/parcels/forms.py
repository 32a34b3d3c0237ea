"""Forms of the title case pages and the case list's filter.

The forms only shape input; every rule (roles, states, requirements, scope) is the services'
(:mod:`portal.parcels.services`), which the views call with ``cleaned_data``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.core.choices import Confidentiality
from portal.org.choices import DivisionLevel, Role
from portal.org.models import AdminDivision, Unit, User
from portal.org.scoping import read_scope
from portal.parcels.choices import (
    CaseStatus,
    DocumentKind,
    LinkStatus,
    ReconciliationKind,
    ReconciliationResult,
)
from portal.parcels.documents import ACCEPTED_EXTENSIONS
from portal.parcels.models import BuildingParcel, TitleCase
from portal.parcels.workflow import DETAIL_LABELS, Transition

if TYPE_CHECKING:
    from portal.buildings.models import Building

WORKING_ROLES: Final = (Role.UNIT_OFFICER, Role.DIVISION_ADMIN, Role.PROVINCE_ADMIN)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# -- whom a case may be assigned to (the service decides; these only narrow the choices) ------


def officers_for(building: Building) -> QuerySet[User]:
    """Active accounts whose role and scope let them edit ``building``'s case."""
    unit = building.managing_unit
    code = unit.division.code
    division_admins = Q(role=Role.DIVISION_ADMIN) & (
        Q(unit__division__level=DivisionLevel.PROVINCE, unit__division__code__startswith=code[:2])
        | Q(unit__division__level=DivisionLevel.CITY, unit__division__code__startswith=code[:4])
        | Q(unit__division__level=DivisionLevel.COUNTY, unit__division__code=code)
    )
    in_scope = Q(role=Role.PROVINCE_ADMIN) | Q(role=Role.UNIT_OFFICER, unit=unit) | division_admins
    levels = list(Confidentiality.values)[Confidentiality.rank(building.confidentiality) :]
    return _named(User.objects.filter(in_scope, is_active=True, clearance__in=levels))


def officers_seen_by(user: User) -> QuerySet[User]:
    """Active working accounts of the units ``user`` may read: the bulk form's choices."""
    users = User.objects.filter(read_scope(user).q("unit"), is_active=True)
    return _named(users.filter(role__in=WORKING_ROLES))


def _named(users: QuerySet[User]) -> QuerySet[User]:
    return users.select_related("unit").order_by("unit__name", "username")


class OfficerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} · {obj.unit or ''} · {obj.get_role_display()}"


# -- the case list ------------------------------------------------------------------------------


class CaseFilterSet(django_filters.FilterSet):
    """Status, division (by code, its subtree included), mine, overdue and a building search."""

    q = django_filters.CharFilter(method="search", label=_("building"))
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, label=_("status"), widget=forms.CheckboxSelectMultiple
    )
    division = django_filters.ModelChoiceFilter(
        queryset=AdminDivision.objects.filter(valid_to__isnull=True).order_by("code"),
        to_field_name="code",
        method="in_division",
        label=_("division"),
    )
    mine = django_filters.BooleanFilter(
        method="assigned_to_me", label=_("assigned to me"), widget=forms.CheckboxInput
    )
    overdue = django_filters.BooleanFilter(
        method="past_due", label=_("overdue"), widget=forms.CheckboxInput
    )

    class Meta:
        model = TitleCase
        fields: list[str] = []

    def search(self, queryset: QuerySet[TitleCase], name: str, value: str) -> QuerySet[TitleCase]:
        return queryset.filter(building__name__icontains=value.strip()) if value else queryset

    def in_division(self, queryset: Any, name: str, value: AdminDivision | None) -> Any:
        return queryset.in_division(value) if value else queryset

    def assigned_to_me(self, queryset: Any, name: str, value: bool | None) -> Any:
        return queryset.filter(assigned_to=self.request.user) if value else queryset  # type: ignore[union-attr]

    def past_due(self, queryset: Any, name: str, value: bool | None) -> Any:
        return queryset.overdue() if value else queryset


class BulkForm(forms.Form):
    """The campaign's bulk actions on the selected cases, or opening the missing cases."""

    ASSIGN, DUE, OPEN = "assign", "due", "open"

    action = forms.ChoiceField(
        label=_("action"),
        choices=[
            (ASSIGN, _("assign to an officer")),
            (DUE, _("set the due date")),
            (OPEN, _("open the missing cases of the buildings I manage")),
        ],
    )
    cases = forms.ModelMultipleChoiceField(
        queryset=TitleCase.objects.none(), required=False, label=_("cases")
    )
    officer = OfficerField(queryset=User.objects.none(), required=False, label=_("officer"))
    due_date = forms.DateField(required=False, label=_("due date"), widget=DateInput())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = TitleCase.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["officer"].queryset = officers_seen_by(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action in (self.ASSIGN, self.DUE) and not data.get("cases"):
            self.add_error("cases", _("Select at least one case."))
        if action == self.ASSIGN and not data.get("officer"):
            self.add_error("officer", _("Choose the officer."))
        if action == self.DUE and not data.get("due_date"):
            self.add_error("due_date", _("Choose the due date."))
        return data


# -- the case page ------------------------------------------------------------------------------

DETAIL_FIELDS: Final[dict[str, Callable[[], forms.Field]]] = {
    "certificate_number": lambda: forms.CharField(max_length=60),
    "issue_date": lambda: forms.DateField(widget=DateInput()),
    "certificate_area_m2": lambda: forms.DecimalField(max_digits=14, decimal_places=2, min_value=0),
    "real_estate_unit_code": lambda: forms.CharField(max_length=28),
    "holder": lambda: forms.ModelChoiceField(
        queryset=Unit.objects.filter(offices_administration=True).order_by("division__code"),
        empty_label=_("the offices administration of the building's division"),
    ),
    "filing_reference": lambda: forms.CharField(max_length=60),
    "exemption_reason": lambda: forms.CharField(widget=forms.Textarea(attrs={"rows": 2})),
    "approval_no": lambda: forms.CharField(max_length=60),
}


class TransitionForm(forms.Form):
    """One transition's form: its comment and the details it asks for, prefixed by its name."""

    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, transition: Transition, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=transition.name, **kwargs)
        self.transition = transition
        comment = self.fields["comment"]
        comment.label = transition.comment_label
        comment.required = transition.comment_required
        for name in transition.fields:
            field = DETAIL_FIELDS[name]()
            field.label = DETAIL_LABELS[name]
            field.required = name in transition.required
            self.fields[name] = field

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.transition.fields}


class ReconciliationForm(forms.Form):
    kind = forms.ChoiceField(choices=ReconciliationKind.choices, label=_("check"))
    result = forms.ChoiceField(choices=ReconciliationResult.choices, label=_("result"))
    note = forms.CharField(
        required=False, label=_("note"), widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("evidence"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, case: TitleCase, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="reconcile", **kwargs)
        self.fields["evidence"].queryset = case.documents.order_by("title")  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("PDF, JPEG, PNG or TIFF."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in ACCEPTED_EXTENSIONS)}
        ),
    )
    kind = forms.ChoiceField(choices=DocumentKind.choices, label=_("kind"))
    title = forms.CharField(
        max_length=200,
        required=False,
        label=_("title"),
        help_text=_("Left empty, the file name is used."),
    )
    document_date = forms.DateField(required=False, label=_("document date"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="document", **kwargs)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="comment", **kwargs)


class AssignForm(forms.Form):
    officer = OfficerField(queryset=User.objects.none(), label=_("assigned officer"))

    def __init__(self, case: TitleCase, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="assign", **kwargs)
        self.fields["officer"].queryset = officers_for(case.building)  # type: ignore[attr-defined]
        self.fields["officer"].initial = case.assigned_to_id


class DueDateForm(forms.Form):
    due_date = forms.DateField(required=False, label=_("due date"), widget=DateInput())

    def __init__(self, case: TitleCase, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="due", **kwargs)
        self.fields["due_date"].initial = case.due_date


class LinkDecisionForm(forms.Form):
    link = forms.ModelChoiceField(queryset=BuildingParcel.objects.none(), widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[(LinkStatus.CONFIRMED, _("confirm")), (LinkStatus.REJECTED, _("reject"))]
    )

    def __init__(self, case: TitleCase, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="link", **kwargs)
        self.fields["link"].queryset = case.building.parcel_links.all()  # type: ignore[attr-defined]
