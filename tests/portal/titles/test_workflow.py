"""The title case workflow: every allowed transition by each allowed role, the refusals (role,
scope, state, requirements), the effects of registration, filing and exemption, history with
the acting user, the parcel's title status, bulk actions and two officers racing on one case."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone, translation

from portal.org.choices import Role
from portal.parcels import services
from portal.parcels.choices import (
    CaseStatus,
    LinkStatus,
    ReconciliationKind,
    ReconciliationResult,
    RightKind,
    TitleStatus,
)
from portal.parcels.exceptions import CaseForbiddenError, CaseRequirementError, CaseStateError
from portal.parcels.models import BuildingParcel, CaseComment, Certificate, Right, TitleCase
from portal.parcels.workflow import DETAIL_LABELS, TRANSITIONS, available_transitions
from tests.factories import BuildingFactory, ParcelFactory, UnitFactory, UserFactory
from tests.portal.titles.case_data import (
    DETAILS,
    add_document,
    campaign,
    put,
    ready_for,
    reconcile_all,
)
from tests.portal.titles.conflict_data import building as crafted_building
from tests.portal.titles.conflict_data import parcel as crafted_parcel


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched by their English source text; pages keep their language."""
    with translation.override("en"):
        yield


ROLE_USERS = {
    Role.UNIT_OFFICER: "officer",
    Role.DIVISION_ADMIN: "county_admin",
    Role.PROVINCE_ADMIN: "province_admin",
}
ALLOWED = [
    (name, source, role)
    for name, transition in TRANSITIONS.items()
    for source in transition.sources
    for role in sorted(transition.roles)
]


def move(case, name, user):
    details = dict(DETAILS.get(name, {}))
    comment = details.pop("comment", "")
    return services.transition_case(case, name, by=user, comment=comment, **details)


@pytest.mark.parametrize(("name", "source", "role"), ALLOWED)
def test_every_allowed_transition_by_each_allowed_role(titles, name, source, role):
    user = titles[ROLE_USERS[role]]
    case = ready_for(titles.case, name, source, titles["province_admin"])
    moved = move(case, name, user)
    assert moved.status == TRANSITIONS[name].target
    assert TitleCase.objects.get(pk=case.pk).status == TRANSITIONS[name].target
    assert moved.status_changed_at is not None
    note = CaseComment.objects.filter(case=case).latest("pk")
    assert (note.from_status, note.to_status, note.author) == (source, moved.status, user)


@pytest.mark.parametrize(
    ("name", "source", "user"),
    [
        ("verify", CaseStatus.COLLECTED, "officer"),  # the level above checks
        ("submit", CaseStatus.VERIFIED, "officer"),
        ("register", CaseStatus.SUBMITTED, "officer"),
        ("settle", CaseStatus.DISPUTED, "officer"),
        ("exempt", CaseStatus.COLLECTED, "county_admin"),
        ("exempt", CaseStatus.COLLECTED, "city_admin"),
        ("collect", CaseStatus.NOT_STARTED, "viewer"),
        ("dispute", CaseStatus.COLLECTED, "viewer"),
        ("collect", CaseStatus.NOT_STARTED, "auditor"),
        ("collect", CaseStatus.NOT_STARTED, "other_officer"),  # another county
        ("verify", CaseStatus.COLLECTED, "other_admin"),
    ],
)
def test_refused_by_role_or_scope(titles, name, source, user):
    case = ready_for(titles.case, name, source, titles["province_admin"])
    with pytest.raises(CaseForbiddenError) as refused:
        move(case, name, titles[user])
    assert refused.value.http_status == 403
    assert TitleCase.objects.get(pk=case.pk).status == source
    assert not CaseComment.objects.filter(case=case, to_status__gt="").exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("collect", CaseStatus.COLLECTED),
        ("verify", CaseStatus.NOT_STARTED),
        ("submit", CaseStatus.COLLECTED),
        ("register", CaseStatus.VERIFIED),
        ("dispute", CaseStatus.NOT_STARTED),
        ("dispute", CaseStatus.REGISTERED),
        ("exempt", CaseStatus.NOT_STARTED),
        ("exempt", CaseStatus.FILED),
    ],
)
def test_wrong_state_is_a_conflict(titles, name, status):
    case = put(titles.case, status)
    with pytest.raises(CaseStateError) as refused:
        move(case, name, titles["province_admin"])
    assert refused.value.http_status == 409
    assert TitleCase.objects.get(pk=case.pk).status == status


def test_unknown_transition(titles):
    with pytest.raises(CaseStateError):
        services.transition_case(titles.case, "teleport", by=titles["province_admin"])


def test_collect_needs_a_document(titles):
    with pytest.raises(CaseRequirementError, match="source document") as refused:
        move(titles.case, "collect", titles["officer"])
    assert refused.value.http_status == 400
    assert TitleCase.objects.get(pk=titles.case.pk).status == CaseStatus.NOT_STARTED


def _checked(titles, skip=None, result=ReconciliationResult.CONSISTENT, evidence=True):
    case = put(titles.case, CaseStatus.COLLECTED)
    document = add_document(case, titles["officer"])
    for kind in ReconciliationKind:
        if kind == skip:
            continue
        chosen = result if kind == ReconciliationKind.BOOKS_REALITY else "consistent"
        docs = [document] if evidence or kind != ReconciliationKind.BOOKS_CERTIFICATES else []
        services.record_reconciliation(case, kind, chosen, "", docs, by=titles["officer"])
    return case


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"skip": ReconciliationKind.BOOKS_BOOKS}, ReconciliationKind.BOOKS_BOOKS.label),
        ({"result": ReconciliationResult.INCONSISTENT}, ReconciliationKind.BOOKS_REALITY.label),
        ({"evidence": False}, ReconciliationKind.BOOKS_CERTIFICATES.label),
    ],
    ids=["missing", "inconsistent", "no-evidence"],
)
def test_verify_names_the_check_that_is_missing(titles, kwargs, named):
    case = _checked(titles, **kwargs)
    with pytest.raises(CaseRequirementError) as refused:
        move(case, "verify", titles["county_admin"])
    assert str(named) in refused.value.user_message
    assert TitleCase.objects.get(pk=case.pk).status == CaseStatus.COLLECTED


def test_submit_needs_a_parcel(titles):
    case = put(titles.case, CaseStatus.VERIFIED)
    TitleCase.objects.filter(pk=case.pk).update(parcel=None)
    case.refresh_from_db()
    with pytest.raises(CaseRequirementError, match="parcel"):
        move(case, "submit", titles["county_admin"])


@pytest.mark.parametrize(
    ("name", "details", "field"),
    [
        ("register", {"certificate_number": ""}, "certificate_number"),
        ("register", {"issue_date": None}, "issue_date"),
        ("register", {"certificate_area_m2": "x"}, "certificate_area_m2"),
        ("register", {"certificate_area_m2": "-1"}, "certificate_area_m2"),
        ("file", {"filing_reference": " "}, "filing_reference"),
        ("file", {"comment": ""}, "comment"),
        ("exempt", {"approval_no": ""}, "approval_no"),
        ("exempt", {"exemption_reason": ""}, "exemption_reason"),
        ("dispute", {"comment": ""}, "comment"),
        ("settle", {"comment": "  "}, "comment"),
    ],
)
def test_missing_details_are_named(titles, name, details, field):
    transition = TRANSITIONS[name]
    case = put(titles.case, transition.sources[0])
    data = {**DETAILS[name], **details}
    comment = data.pop("comment", "")
    with pytest.raises(CaseRequirementError) as refused:
        services.transition_case(case, name, by=titles["province_admin"], comment=comment, **data)
    label = transition.comment_label if field == "comment" else DETAIL_LABELS[field]
    assert str(label) in refused.value.user_message
    assert TitleCase.objects.get(pk=case.pk).status == transition.sources[0]
    assert not Certificate.objects.exists()


def test_register_creates_certificate_right_and_fills_the_parcel(titles):
    case = put(titles.case, CaseStatus.SUBMITTED)
    code = "510104001001GB00001F00010001"
    moved = move_with(case, "register", titles["city_admin"], real_estate_unit_code=code)
    certificate = Certificate.objects.get()
    assert certificate.holder == titles.offices  # the city's: 锦江区 has none
    assert certificate.number == DETAILS["register"]["certificate_number"]
    assert certificate.certificate_area_m2 == Decimal("1520.50")
    assert (certificate.parcel, certificate.building) == (titles.parcel, case.building)
    assert (moved.registered_to, moved.certificate) == (titles.offices, certificate)
    right = Right.objects.get()
    assert (right.kind, right.holder, right.building, right.share) == (
        RightKind.BUILDING_OWNERSHIP,
        titles.offices,
        case.building,
        Decimal(1),
    )
    assert right.certificate == certificate
    titles.parcel.refresh_from_db()
    assert titles.parcel.certificate_no == certificate.number
    assert titles.parcel.certificate_area_m2 == Decimal("1520.50")
    assert titles.parcel.real_estate_unit_code == code
    assert titles.parcel.title_status == TitleStatus.REGISTERED


def move_with(case, name, user, **extra):
    details = {**DETAILS[name], **extra}
    comment = details.pop("comment", "")
    return services.transition_case(case, name, by=user, comment=comment, **details)


def test_register_prefers_the_nearest_offices_administration(titles):
    county = UnitFactory(division_code="510104", offices_administration=True)
    case = put(titles.case, CaseStatus.SUBMITTED)
    assert move(case, "register", titles["county_admin"]).registered_to == county


def test_register_keeps_what_the_parcel_already_records(titles):
    titles.parcel.certificate_no = "旧证001"
    titles.parcel.save()
    move(put(titles.case, CaseStatus.SUBMITTED), "register", titles["county_admin"])
    titles.parcel.refresh_from_db()
    assert titles.parcel.certificate_no == "旧证001"


def test_register_without_offices_administration_is_refused(titles):
    titles.offices.offices_administration = False
    titles.offices.save()
    case = put(titles.case, CaseStatus.SUBMITTED)
    with pytest.raises(CaseRequirementError, match="offices administration"):
        move(case, "register", titles["county_admin"])
    assert not Certificate.objects.exists()
    assert not Right.objects.exists()
    assert TitleCase.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_register_to_a_unit_that_is_not_an_offices_administration(titles):
    case = put(titles.case, CaseStatus.SUBMITTED)
    with pytest.raises(CaseRequirementError, match="not an offices administration"):
        move_with(case, "register", titles["county_admin"], holder=titles.unit)


def test_register_refuses_a_unit_code_another_parcel_holds(titles):
    code = "510104001001GB00001F00010001"
    ParcelFactory(holder=titles.unit, real_estate_unit_code=code)
    case = put(titles.case, CaseStatus.SUBMITTED)
    with pytest.raises(CaseRequirementError, match="already recorded on parcel"):
        move_with(case, "register", titles["county_admin"], real_estate_unit_code=code)
    assert not Certificate.objects.exists()  # the whole transition rolled back
    assert TitleCase.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_register_refuses_a_malformed_unit_code(titles):
    case = put(titles.case, CaseStatus.SUBMITTED)
    with pytest.raises(CaseRequirementError) as refused:
        move_with(case, "register", titles["county_admin"], real_estate_unit_code="123")
    assert str(DETAIL_LABELS["real_estate_unit_code"]) in refused.value.user_message


def test_file_stores_the_reference(titles):
    moved = move(put(titles.case, CaseStatus.SUBMITTED), "file", titles["county_admin"])
    assert moved.filing_reference == "BA-2025-017"
    assert moved.certificate is None
    assert CaseComment.objects.filter(case=moved).latest("pk").text == "历史遗留，无法办证"
    titles.parcel.refresh_from_db()
    assert titles.parcel.title_status == TitleStatus.FILED


def test_exempt_registers_to_the_user_unit_with_approval(titles):
    titles.parcel.title_status = TitleStatus.IN_PROGRESS
    titles.parcel.save()
    admin = titles["province_admin"]
    moved = move(put(titles.case, CaseStatus.DISPUTED), "exempt", admin)
    assert (moved.approved_by, moved.registered_to) == (admin, titles.unit)
    assert moved.approval_no == "川机管〔2025〕12号"
    titles.parcel.refresh_from_db()
    assert titles.parcel.title_status == TitleStatus.IN_PROGRESS  # exempt leaves it


def test_parcel_title_status_follows_the_case(titles):
    admin, case = titles["county_admin"], titles.case
    seen = []
    for name in ("collect", "dispute", "settle", "verify", "submit", "register"):
        if name == "collect":
            add_document(case, admin)
        if name == "verify":
            reconcile_all(case, admin)
        case = move(case, name, admin)
        titles.parcel.refresh_from_db()
        seen.append(titles.parcel.title_status)
    assert seen == [
        TitleStatus.IN_PROGRESS,
        TitleStatus.DISPUTED,
        TitleStatus.IN_PROGRESS,
        TitleStatus.IN_PROGRESS,
        TitleStatus.IN_PROGRESS,
        TitleStatus.REGISTERED,
    ]


def test_history_records_the_acting_user(titles):
    officer = titles["officer"]
    add_document(titles.case, officer)
    move(titles.case, "collect", officer)
    events = apps.get_model("parcels", "TitleCaseEvent").objects.filter(pgh_obj_id=titles.case.pk)
    update = events.filter(pgh_label="update").latest("pgh_id")
    assert update.pgh_context.metadata["user"] == officer.pk
    assert update.status == CaseStatus.COLLECTED
    comments = apps.get_model("parcels", "CaseCommentEvent").objects.filter(to_status="collected")
    assert comments.get().pgh_context.metadata["user"] == officer.pk


def test_available_transitions_follow_role_state_and_scope(titles):
    case = put(titles.case, CaseStatus.COLLECTED)
    names = lambda user: sorted(t.name for t in available_transitions(case, titles[user]))  # noqa: E731
    assert names("officer") == ["dispute"]
    assert names("county_admin") == ["dispute", "verify"]
    assert names("province_admin") == ["dispute", "exempt", "verify"]
    assert names("viewer") == names("auditor") == names("other_officer") == []


# -- concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins():
    """Registering and filing a submitted case exclude each other: one of them must lose."""
    world = campaign()
    case = put(world.case, CaseStatus.SUBMITTED)
    stale_a, stale_b = TitleCase.objects.get(pk=case.pk), TitleCase.objects.get(pk=case.pk)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(stale, name, user):
        try:
            barrier.wait()
            move(stale, name, user)
            outcomes.append(name)
        except Exception as exc:  # the loser's error is what the test checks
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(stale_a, "register", world["county_admin"])),
        threading.Thread(target=attempt, args=(stale_b, "file", world["city_admin"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if not isinstance(o, str)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], CaseStateError)
    final = TitleCase.objects.get(pk=case.pk)
    assert final.status == TRANSITIONS[winners[0]].target
    assert CaseComment.objects.filter(case=case).exclude(to_status="").count() == 1
    assert Certificate.objects.count() == (1 if winners == ["register"] else 0)


@pytest.mark.django_db(transaction=True)
def test_the_same_transition_twice_at_once_applies_once():
    world = campaign()
    officer = world["officer"]
    add_document(world.case, officer)
    stale = [TitleCase.objects.get(pk=world.case.pk) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(case):
        try:
            barrier.wait()
            outcomes.append(services.transition_case(case, "collect", by=officer).status)
        except CaseStateError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(case,)) for case in stale]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(isinstance(o, CaseStateError) for o in outcomes) == [False, True]
    assert CaseComment.objects.filter(to_status=CaseStatus.COLLECTED).count() == 1


# -- cases, assignment and due dates -------------------------------------------------------------


def test_open_cases_for_editable_buildings_with_the_largest_link(titles):
    """Links are derived first: the case takes the parcel under most of the footprint, never
    one an officer rejected, and a building on no parcel gets a case without one."""
    unit = titles.unit
    small = crafted_parcel(unit, x=0, y=0, w=50)
    large = crafted_parcel(unit, x=50, y=0, w=50)
    covering = crafted_parcel(unit, x=40, y=0, w=30)
    linked = crafted_building(unit, x=42, y=10, w=20)  # 8 m on small, 12 m on large
    bare = crafted_building(unit, x=5_000, y=5_000)
    BuildingParcel.objects.create(
        building=linked, parcel=covering, share_on_parcel=1.0, status=LinkStatus.REJECTED
    )
    elsewhere = BuildingFactory(managing_unit=titles.other_case.building.managing_unit)
    from portal.buildings.models import Building

    assert services.open_cases(Building.objects.all(), by=titles["officer"]) == 2
    assert TitleCase.objects.get(building=linked).parcel == large
    assert TitleCase.objects.get(building=bare).parcel is None
    assert set(linked.parcel_links.values_list("parcel", "status")) == {
        (small.pk, LinkStatus.DERIVED),
        (large.pk, LinkStatus.DERIVED),
        (covering.pk, LinkStatus.REJECTED),
    }
    assert not TitleCase.objects.filter(building=elsewhere).exists()
    assert services.open_cases(Building.objects.all(), by=titles["officer"]) == 0
    assert services.open_cases(Building.objects.all(), by=titles["viewer"]) == 0


def _second_case(titles):
    building = BuildingFactory(managing_unit=titles.unit, name="B楼")
    return TitleCase.objects.create(building=building)


def test_bulk_assign_and_due_date(titles):
    second = _second_case(titles)
    cases = TitleCase.objects.filter(pk__in=[titles.case.pk, second.pk])
    officer = titles["officer"]
    assert services.bulk_assign(cases, officer, by=titles["county_admin"]) == 2
    due = timezone.localdate() + timedelta(days=30)
    assert services.bulk_set_due_date(cases, due, by=titles["county_admin"]) == 2
    assert set(cases.values_list("assigned_to", "due_date")) == {(officer.pk, due)}


def test_bulk_assign_is_all_or_nothing_and_names_the_case(titles):
    second = _second_case(titles)
    cases = TitleCase.objects.filter(pk__in=[titles.case.pk, second.pk, titles.other_case.pk])
    with pytest.raises(CaseForbiddenError, match=str(titles.other_case)):
        services.bulk_assign(cases, titles["officer"], by=titles["county_admin"])
    with pytest.raises(CaseRequirementError, match=str(titles.other_case)):
        services.bulk_assign(cases, titles["officer"], by=titles["province_admin"])
    assert not TitleCase.objects.filter(assigned_to__isnull=False).exists()


@pytest.mark.parametrize("who", ["viewer", "inactive", "other_officer"])
def test_assignee_must_be_able_to_work_on_the_case(titles, who):
    if who == "inactive":
        assignee = UserFactory(role=Role.UNIT_OFFICER, unit=titles.unit, is_active=False)
    else:
        assignee = titles[who]
    with pytest.raises(CaseRequirementError, match=str(titles.case)):
        services.assign_case(titles.case, assignee, by=titles["county_admin"])
    assert TitleCase.objects.get(pk=titles.case.pk).assigned_to is None


def test_due_date_in_the_past_is_refused(titles):
    second = _second_case(titles)
    cases = TitleCase.objects.filter(pk__in=[titles.case.pk, second.pk])
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(CaseRequirementError, match=yesterday.isoformat()):
        services.bulk_set_due_date(cases, yesterday, by=titles["county_admin"])
    assert not cases.filter(due_date__isnull=False).exists()


def test_a_reader_cannot_assign_or_comment(titles):
    with pytest.raises(CaseForbiddenError):
        services.assign_case(titles.case, titles["officer"], by=titles["viewer"])
    with pytest.raises(CaseForbiddenError):
        services.add_comment(titles.case, "看看", by=titles["viewer"])
    comment = services.add_comment(titles.case, " 已联系 ", by=titles["officer"])
    assert (comment.text, comment.from_status, comment.to_status) == ("已联系", "", "")


# -- reconciliations and links ------------------------------------------------------------------


def test_reconciliation_upserts_and_checks_its_evidence(titles):
    case = put(titles.case, CaseStatus.COLLECTED)
    officer = titles["officer"]
    document = add_document(case, officer)
    kind = ReconciliationKind.BOOKS_BOOKS
    services.record_reconciliation(case, kind, "inconsistent", "差2㎡", [], by=officer)
    row = services.record_reconciliation(case, kind, "consistent", "", [document], by=officer)
    assert case.reconciliations.get().pk == row.pk
    assert list(row.evidence.all()) == [document]
    foreign = add_document(put(titles.other_case, CaseStatus.COLLECTED), titles["other_officer"])
    with pytest.raises(CaseRequirementError, match="another case"):
        services.record_reconciliation(case, kind, "consistent", "", [foreign], by=officer)


@pytest.mark.parametrize("status", [CaseStatus.NOT_STARTED, CaseStatus.VERIFIED])
def test_reconciliation_only_while_collected_or_disputed(titles, status):
    case = put(titles.case, status)
    with pytest.raises(CaseStateError):
        services.record_reconciliation(
            case, ReconciliationKind.BOOKS_BOOKS, "consistent", "", [], by=titles["officer"]
        )


def test_confirming_a_link_sets_the_missing_parcel(titles):
    TitleCase.objects.filter(pk=titles.case.pk).update(parcel=None)
    link = services.decide_link(titles.link, LinkStatus.CONFIRMED, by=titles["officer"])
    assert (link.status, link.decided_by) == (LinkStatus.CONFIRMED, titles["officer"])
    assert TitleCase.objects.get(pk=titles.case.pk).parcel == titles.parcel


def test_rejecting_the_case_parcel_falls_back_to_the_next_link(titles):
    other = ParcelFactory(holder=titles.unit)
    BuildingParcel.objects.create(building=titles.case.building, parcel=other, share_on_parcel=0.3)
    services.decide_link(titles.link, LinkStatus.REJECTED, by=titles["officer"])
    assert TitleCase.objects.get(pk=titles.case.pk).parcel == other
    put(titles.case, CaseStatus.SUBMITTED)
    other_link = BuildingParcel.objects.get(parcel=other)
    with pytest.raises(CaseStateError):
        services.decide_link(other_link, LinkStatus.REJECTED, by=titles["officer"])


def test_links_of_another_unit_cannot_be_decided(titles):
    with pytest.raises(CaseForbiddenError):
        services.decide_link(titles.link, LinkStatus.CONFIRMED, by=titles["other_officer"])
    with pytest.raises(CaseForbiddenError):
        services.decide_link(titles.link, LinkStatus.CONFIRMED, by=titles["viewer"])
