"""What the case page is built from: its actions (form + service call) and its context.

Each action posts to the case page with ``action=<name>``; transitions use their own name
(``collect``, ``verify``…). A reader who may not edit the case gets no forms at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.detail import feature, recent_history
from portal.core.display import WITHHELD, value_at
from portal.org.scoping import cleared_levels
from portal.parcels import services, workflow
from portal.parcels.choices import ReconciliationKind
from portal.parcels.forms import (
    AssignForm,
    CommentForm,
    DocumentForm,
    DueDateForm,
    LinkDecisionForm,
    ReconciliationForm,
    TransitionForm,
)
from portal.parcels.models import Parcel, TitleCase
from portal.parcels.querysets import CLOSED_CASE_STATUSES

if TYPE_CHECKING:
    from portal.parcels.views.cases import Posted

FormFactory = Callable[[TitleCase, str, HttpRequest], Any]
Runner = Callable[[TitleCase, str, Any, Any], str]


@dataclass(frozen=True)
class Action:
    form: FormFactory
    run: Runner


def _reconcile(case: TitleCase, name: str, form: Any, user: Any) -> str:
    data = form.cleaned_data
    row = services.record_reconciliation(
        case, data["kind"], data["result"], data["note"], list(data["evidence"]), by=user
    )
    return _("Recorded: %(check)s.") % {"check": row.get_kind_display()}


def _document(case: TitleCase, name: str, form: Any, user: Any) -> str:
    data = form.cleaned_data
    document = services.upload_document(
        case, data["file"], data["kind"], data["title"], data["document_date"], by=user
    )
    return _("Document “%(title)s” uploaded.") % {"title": document}


def _comment(case: TitleCase, name: str, form: Any, user: Any) -> str:
    services.add_comment(case, form.cleaned_data["text"], by=user)
    return _("Comment added.")


def _assign(case: TitleCase, name: str, form: Any, user: Any) -> str:
    officer = form.cleaned_data["officer"]
    services.assign_case(case, officer, by=user)
    return _("Assigned to %(user)s.") % {"user": officer.get_full_name() or officer}


def _due(case: TitleCase, name: str, form: Any, user: Any) -> str:
    services.set_due_date(case, form.cleaned_data["due_date"], by=user)
    return _("Due date saved.")


def _link(case: TitleCase, name: str, form: Any, user: Any) -> str:
    link = services.decide_link(form.cleaned_data["link"], form.cleaned_data["decision"], by=user)
    return _("Link to parcel %(parcel)s: %(status)s.") % {
        "parcel": link.parcel,
        "status": link.get_status_display(),
    }


def _bound(form_class: Any, with_case: bool = True) -> FormFactory:
    def build(case: TitleCase, name: str, request: HttpRequest) -> Any:
        args = (case,) if with_case else ()
        return form_class(*args, request.POST, request.FILES)

    return build


ACTIONS: Final[dict[str, Action]] = {
    "reconcile": Action(_bound(ReconciliationForm), _reconcile),
    "document": Action(_bound(DocumentForm, with_case=False), _document),
    "comment": Action(_bound(CommentForm, with_case=False), _comment),
    "assign": Action(_bound(AssignForm), _assign),
    "due": Action(_bound(DueDateForm), _due),
    "link": Action(_bound(LinkDecisionForm), _link),
}


def _forms(case: TitleCase, user: Any, posted: Posted | None) -> dict[str, Any]:
    """A fresh form per action, except the one just posted, shown again with its input."""
    forms: dict[str, Any] = {
        "reconcile": ReconciliationForm(case),
        "document": DocumentForm(),
        "comment": CommentForm(),
        "assign": AssignForm(case),
        "due": DueDateForm(case),
    }
    transitions = workflow.available_transitions(case, user)
    forms["transitions"] = [(transition, TransitionForm(transition)) for transition in transitions]
    if posted is not None and posted.form is not None:
        if posted.action in forms:
            forms[posted.action] = posted.form
        forms["transitions"] = [
            (t, posted.form if t.name == posted.action else form)
            for t, form in forms["transitions"]
        ]
    return forms


def _reconciliations(case: TitleCase) -> list[tuple[Any, Any]]:
    recorded = {
        row.kind: row
        for row in case.reconciliations.select_related("recorded_by").prefetch_related("evidence")
    }
    return [(kind, recorded.get(kind.value)) for kind in ReconciliationKind]


def _map(case: TitleCase, parcel: Parcel | None, cleared: list[str]) -> dict[str, Any]:
    building = case.building
    shape = None
    for path in ("footprint", "geom"):
        value = value_at(building, path, cleared)
        if value is not None and value is not WITHHELD:
            shape = value
            break
    context = []
    if parcel is not None:
        context.append(feature(parcel.geom, label=str(parcel), url=parcel.get_absolute_url()))
    return {
        "primary": feature(shape, label=str(building)) if shape is not None else None,
        "context": context,
        "basemap": reverse("org:division_basemap"),
        "attribution": _("Boundaries: divisions of the registry"),
    }


def page_context(case: TitleCase, request: HttpRequest, posted: Posted | None) -> dict[str, Any]:
    user = request.user
    may_edit = workflow.may_edit(case, user)  # type: ignore[arg-type]
    parcel = Parcel.objects.visible_to(user).filter(pk=case.parcel_id).first()
    links = case.building.parcel_links.select_related("parcel", "decided_by")
    visible_parcels = set(
        Parcel.objects.visible_to(user)
        .filter(pk__in=[link.parcel_id for link in links])
        .values_list("pk", flat=True)
    )
    today = timezone.localdate()
    return {
        "may_edit": may_edit,
        "forms": _forms(case, user, posted) if may_edit else None,
        "error": posted.error if posted else "",
        "posted_action": posted.action if posted else "",
        "parcel": parcel,
        "links": [(link, link.parcel_id in visible_parcels) for link in links],
        "comments": case.comments.select_related("author").order_by("created_at", "pk"),
        "documents": case.documents.select_related("uploaded_by").order_by("-uploaded_at"),
        "reconciliations": _reconciliations(case),
        "overdue": bool(
            case.due_date and case.due_date < today and case.status not in CLOSED_CASE_STATUSES
        ),
        "map_data": _map(case, parcel, cleared_levels(user)),  # type: ignore[arg-type]
        "history": recent_history(case),
        "history_diffs": {},
    }
