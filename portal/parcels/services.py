"""Writes of the title registry: cases, their transitions, checks, documents and links.

Every write runs in one transaction inside ``pghistory.context(user=...)``, so the history
triggers record who acted even outside a request (commands, the worker, tests). A transition
locks its case and checks it again under the lock: of two officers moving the same case at
once, the second finds it moved and is refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.buildings.models import Building
from portal.core.services import writing
from portal.org.models import Unit
from portal.parcels import workflow
from portal.parcels.choices import (
    CaseStatus,
    CertificateKind,
    DocumentKind,
    LinkStatus,
    ReconciliationKind,
    ReconciliationResult,
    RightKind,
)
from portal.parcels.documents import check_upload
from portal.parcels.exceptions import (
    CaseForbiddenError,
    CaseRequirementError,
    CaseStateError,
    DocumentRejectedError,
)
from portal.parcels.links import derive_building_parcels
from portal.parcels.models import (
    BuildingParcel,
    CaseComment,
    Certificate,
    Reconciliation,
    Right,
    SourceDocument,
    TitleCase,
)

if TYPE_CHECKING:
    from portal.buildings.models import Building as BuildingType
    from portal.org.models import User

# Checks are recorded while materials are gathered or a dispute is being settled.
RECONCILING_STATUSES: Final = (CaseStatus.COLLECTED, CaseStatus.DISPUTED)
# Once submitted (or closed) the case's parcel is what was registered: its link stays.
PARCEL_FIXED_STATUSES: Final = (
    CaseStatus.SUBMITTED,
    CaseStatus.REGISTERED,
    CaseStatus.FILED,
    CaseStatus.EXEMPT,
)
BATCH: Final = 2000


def _require_editor(case: TitleCase, by: User) -> None:
    if not workflow.may_edit(case, by):
        raise CaseForbiddenError(
            _("You may not change the title case of “%(building)s”.") % {"building": case}
        )


def _lock(case: TitleCase) -> TitleCase:
    # of=("self",): the nullable parcel join cannot be locked, and need not be.
    queryset = TitleCase.objects.select_for_update(of=("self",))
    return queryset.select_related("building", "parcel").get(pk=case.pk)


# -- cases -------------------------------------------------------------------------------------


def open_cases(buildings: QuerySet[BuildingType], *, by: User) -> int:
    """Open a case for each building ``by`` may edit that has none; returns how many.

    The buildings' links to parcels are derived first; the case's parcel is the standing link
    with the largest share of the footprint, or none when the building meets no parcel. A case
    someone else opened meanwhile is left as it is.
    """
    editable = Building.objects.editable_by(by).values("pk")
    missing = buildings.filter(pk__in=editable, title_case__isnull=True)
    with writing(by):
        derive_building_parcels(buildings=missing)
        cases = [
            TitleCase(building_id=pk, parcel_id=parcel) for pk, parcel in _best_parcels(missing)
        ]
        TitleCase.objects.bulk_create(cases, batch_size=BATCH, ignore_conflicts=True)
    return len(cases)


def _best_parcels(buildings: QuerySet[BuildingType]) -> QuerySet[Any]:
    best = (
        BuildingParcel.objects.standing()
        .filter(building=OuterRef("pk"))
        .order_by("-share_on_parcel", "parcel_id")
        .values("parcel_id")[:1]
    )
    return (
        buildings.annotate(best_parcel=Subquery(best))
        .values_list("pk", "best_parcel")
        .order_by("pk")
    )


def add_comment(case: TitleCase, text: str, *, by: User) -> CaseComment:
    _require_editor(case, by)
    if not text.strip():
        raise CaseRequirementError(_("Write the comment first."))
    with writing(by):
        return CaseComment.objects.create(case=case, author=by, text=text.strip())


# -- transitions -------------------------------------------------------------------------------


def transition_case(
    case: TitleCase, name: str, *, by: User, comment: str = "", **details: Any
) -> TitleCase:
    """Move ``case`` by the transition ``name`` (see :data:`workflow.TRANSITIONS`).

    ``details`` are the fields the transition asks for (certificate number, filing reference…).
    Returns the case as stored; raises a :class:`PortalError` naming what stops the move.
    """
    transition = workflow.get_transition(name)
    workflow.check_allowed(case, transition, by)
    with writing(by):
        locked = _lock(case)
        workflow.check_transition(locked, transition, by, comment, details)
        source = locked.status
        EFFECTS.get(name, _no_effect)(locked, details, by)
        locked.status = transition.target
        locked.status_changed_at = timezone.now()
        locked.save()
        CaseComment.objects.create(
            case=locked,
            author=by,
            text=comment.strip(),
            from_status=source,
            to_status=transition.target,
        )
        _sync_parcel(locked)
    return locked


def _no_effect(case: TitleCase, details: Mapping[str, Any], by: User) -> None:
    """Most transitions only change the status."""


def _sync_parcel(case: TitleCase) -> None:
    title_status = workflow.PARCEL_TITLE_STATUS.get(case.status)
    parcel = case.parcel
    if parcel is None or title_status is None or parcel.title_status == title_status:
        return
    parcel.title_status = title_status
    parcel.save(update_fields=["title_status", "updated_at"])


def offices_administration_for(building: BuildingType) -> Unit | None:
    """The offices administration of the building's division, or the nearest one above it."""
    division = building.division
    while division is not None:
        found = Unit.objects.filter(division=division, offices_administration=True).first()
        if found is not None:
            return found
        division = division.parent
    return None


def _registration_holder(case: TitleCase, chosen: Unit | None) -> Unit:
    if chosen is not None:
        if not chosen.offices_administration:
            raise CaseRequirementError(
                _("“%(unit)s” is not an offices administration; titles are registered to one.")
                % {"unit": chosen}
            )
        if not case.building.division.code.startswith(chosen.division.prefix):
            raise CaseRequirementError(
                _("“%(unit)s” is not an offices administration of %(division)s or above it.")
                % {"unit": chosen, "division": case.building.division}
            )
        return chosen
    found = offices_administration_for(case.building)
    if found is None:
        raise CaseRequirementError(
            _(
                "No offices administration is recorded for %(division)s or any division above "
                "it; mark the unit that is one before registering."
            )
            % {"division": case.building.division}
        )
    return found


def _register(case: TitleCase, details: Mapping[str, Any], by: User) -> None:
    holder = _registration_holder(case, details.get("holder"))
    certificate = Certificate(
        kind=CertificateKind.REAL_ESTATE,
        number=str(details["certificate_number"]).strip(),
        issue_date=details["issue_date"],
        certificate_area_m2=_area(details["certificate_area_m2"]),
        real_estate_unit_code=(details.get("real_estate_unit_code") or "").strip(),
        holder=holder,
        parcel=case.parcel,
        building=case.building,
    )
    _validate(certificate)
    certificate.save()
    Right.objects.create(
        kind=RightKind.BUILDING_OWNERSHIP,
        holder=holder,
        building=case.building,
        share=Decimal(1),
        start_date=certificate.issue_date,
        certificate=certificate,
    )
    case.registered_to = holder
    case.certificate = certificate
    _fill_parcel(case, certificate)


def _area(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise CaseRequirementError(
            _("“%(field)s” must be a number of square metres.")
            % {"field": workflow.DETAIL_LABELS["certificate_area_m2"]}
        ) from None


def _validate(certificate: Certificate) -> None:
    try:
        certificate.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = workflow.DETAIL_LABELS.get(_CERTIFICATE_DETAIL.get(field, field), field)
        raise CaseRequirementError(
            _("%(field)s: %(message)s") % {"field": label, "message": " ".join(messages)}
        ) from None


_CERTIFICATE_DETAIL: Final = {"number": "certificate_number"}


def _fill_parcel(case: TitleCase, certificate: Certificate) -> None:
    """Copy the certificate onto the case's parcel where the parcel has nothing yet."""
    parcel = case.parcel
    if parcel is None:
        return
    changed = []
    if not parcel.certificate_no:
        parcel.certificate_no = certificate.number
        changed.append("certificate_no")
    if parcel.certificate_area_m2 is None:
        parcel.certificate_area_m2 = certificate.certificate_area_m2
        changed.append("certificate_area_m2")
    code = certificate.real_estate_unit_code
    if code and not parcel.real_estate_unit_code:
        _refuse_taken_code(code, parcel.pk)
        parcel.real_estate_unit_code = code
        changed.append("real_estate_unit_code")
    if changed:
        parcel.save(update_fields=[*changed, "updated_at"])


def _refuse_taken_code(code: str, parcel_pk: int) -> None:
    from portal.parcels.models import Parcel

    other = Parcel.objects.filter(real_estate_unit_code=code).exclude(pk=parcel_pk).first()
    if other is not None:
        raise CaseRequirementError(
            _("The real-estate unit code %(code)s is already recorded on parcel %(parcel)s.")
            % {"code": code, "parcel": other}
        )


def _file(case: TitleCase, details: Mapping[str, Any], by: User) -> None:
    case.filing_reference = str(details["filing_reference"]).strip()


def _exempt(case: TitleCase, details: Mapping[str, Any], by: User) -> None:
    case.exemption_reason = str(details["exemption_reason"]).strip()
    case.approval_no = str(details["approval_no"]).strip()
    case.approved_by = by
    case.registered_to = case.building.managing_unit


Effect = Callable[[TitleCase, Mapping[str, Any], "User"], None]
EFFECTS: Final[Mapping[str, Effect]] = {
    "register": _register,
    "file": _file,
    "exempt": _exempt,
}


# -- assignment and due dates (one case or a campaign's selection, all or nothing) -------------


def assign_case(case: TitleCase, officer: User, *, by: User) -> int:
    return bulk_assign(TitleCase.objects.filter(pk=case.pk), officer, by=by)


def set_due_date(case: TitleCase, due: datetime.date | None, *, by: User) -> int:
    return bulk_set_due_date(TitleCase.objects.filter(pk=case.pk), due, by=by)


def bulk_assign(cases: QuerySet[TitleCase], officer: User, *, by: User) -> int:
    """Assign every case of ``cases`` to ``officer``, or none if one of them is refused."""
    with writing(by):
        locked = _lock_selection(cases, by)
        allowed = _editable_ids(locked, officer) if officer.is_active else set()
        for case in locked:
            if case.pk not in allowed:
                raise CaseRequirementError(
                    _("Case “%(case)s”: %(user)s may not work on it (inactive or out of scope).")
                    % {"case": case, "user": officer.get_username()}
                )
        TitleCase.objects.filter(pk__in=[case.pk for case in locked]).update(
            assigned_to=officer, updated_at=timezone.now()
        )
    return len(locked)


def bulk_set_due_date(cases: QuerySet[TitleCase], due: datetime.date | None, *, by: User) -> int:
    """Give every case of ``cases`` the due date ``due`` (``None`` clears it), all or none."""
    if due is not None and due < timezone.localdate():
        raise CaseRequirementError(
            _("The due date %(date)s is in the past.") % {"date": due.isoformat()}
        )
    with writing(by):
        locked = _lock_selection(cases, by)
        TitleCase.objects.filter(pk__in=[case.pk for case in locked]).update(
            due_date=due, updated_at=timezone.now()
        )
    return len(locked)


def _lock_selection(cases: QuerySet[TitleCase], by: User) -> list[TitleCase]:
    """The selected cases, locked in key order (no deadlock between two bulk actions)."""
    locked = list(
        TitleCase.objects.filter(pk__in=cases.values("pk"))
        .select_for_update(of=("self",))
        .select_related("building")
        .order_by("pk")
    )
    if not locked:
        raise CaseRequirementError(_("Select at least one case."))
    editable = _editable_ids(locked, by)
    for case in locked:
        if case.pk not in editable:
            raise CaseForbiddenError(_("Case “%(case)s”: you may not change it.") % {"case": case})
    return locked


def _editable_ids(cases: Sequence[TitleCase], user: User) -> set[int]:
    ids = [case.pk for case in cases]
    return set(TitleCase.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True))


# -- reconciliations, documents, links --------------------------------------------------------


def record_reconciliation(
    case: TitleCase,
    kind: str,
    result: str,
    note: str,
    evidence: Sequence[SourceDocument],
    *,
    by: User,
) -> Reconciliation:
    """Record (or record again) one of the three checks, with documents of this case."""
    _require_editor(case, by)
    if kind not in ReconciliationKind.values or result not in ReconciliationResult.values:
        raise CaseRequirementError(_("Choose the check and its result."))
    foreign = [doc for doc in evidence if doc.case_id != case.pk]
    if foreign:
        raise CaseRequirementError(
            _("The document “%(title)s” belongs to another case.") % {"title": foreign[0]}
        )
    with writing(by):
        locked = _lock(case)
        if locked.status not in RECONCILING_STATUSES:
            raise CaseStateError(
                _("Checks are recorded while materials are collected or in dispute, not “%(s)s”.")
                % {"s": locked.get_status_display()}
            )
        row, _created = Reconciliation.objects.update_or_create(
            case=locked,
            kind=kind,
            defaults={"result": result, "note": note.strip(), "recorded_by": by},
        )
        row.evidence.set(evidence)
    return row


def upload_document(
    case: TitleCase,
    upload: UploadedFile,
    kind: str,
    title: str,
    document_date: datetime.date | None,
    *,
    by: User,
) -> SourceDocument:
    """Check the file's size and type, store it under the case and record it."""
    _require_editor(case, by)
    if kind not in DocumentKind.values:
        raise CaseRequirementError(_("Choose the kind of document."))
    checked = check_upload(upload)
    _refuse_twin(case, checked.sha256)
    document = SourceDocument(
        case=case,
        kind=kind,
        title=title.strip() or checked.original_name,
        document_date=document_date,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    document.file.save(checked.original_name, upload, save=False)
    try:
        with writing(by):
            document.save()
    except BaseException as exc:
        document.file.delete(save=False)  # the row was not written: leave no file behind
        if isinstance(exc, IntegrityError):  # the same file, uploaded at the same moment
            raise DocumentRejectedError(_("This file is already on the case.")) from None
        raise
    return document


def _refuse_twin(case: TitleCase, sha256: str) -> None:
    twin = case.documents.filter(sha256=sha256).first()
    if twin is not None:
        raise DocumentRejectedError(
            _("This file is already on the case as “%(title)s”.") % {"title": twin}
        )


def decide_link(link: BuildingParcel, status: str, *, by: User) -> BuildingParcel:
    """Confirm or reject a derived building–parcel link, keeping the case's parcel in step."""
    if not BuildingParcel.objects.editable_by(by).filter(pk=link.pk).exists():
        raise CaseForbiddenError(_("You may not decide on the parcels of this building."))
    if status not in (LinkStatus.CONFIRMED, LinkStatus.REJECTED):
        raise CaseRequirementError(_("Choose to confirm or to reject the link."))
    with writing(by):
        locked = BuildingParcel.objects.select_for_update().get(pk=link.pk)
        case = TitleCase.objects.select_for_update().filter(building_id=locked.building_id).first()
        locked.status, locked.decided_by, locked.decided_at = status, by, timezone.now()
        locked.save()
        if case is not None:
            _follow_link(case, locked)
    return locked


def _follow_link(case: TitleCase, link: BuildingParcel) -> None:
    if link.status == LinkStatus.CONFIRMED and case.parcel_id is None:
        case.parcel_id = link.parcel_id
        case.save(update_fields=["parcel", "updated_at"])
    elif link.status == LinkStatus.REJECTED and case.parcel_id == link.parcel_id:
        if case.status in PARCEL_FIXED_STATUSES:
            raise CaseStateError(
                _("The case was submitted with this parcel; its link cannot be rejected now.")
            )
        case.parcel_id = (
            BuildingParcel.objects.standing()
            .filter(building_id=case.building_id)
            .order_by("-share_on_parcel", "parcel_id")
            .values_list("parcel_id", flat=True)
            .first()
        )
        case.save(update_fields=["parcel", "updated_at"])
