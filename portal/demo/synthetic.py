"""Finding, counting and deleting the synthetic rows of the registry."""

from functools import partial
from typing import Any

import pgtrigger
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from portal.assets.models import (
    Asset,
    AssetCategory,
    CustodyEntry,
    DisposalBatch,
    DisposalItem,
    Listing,
    Need,
    PurchaseRequest,
    Reservation,
    TransferBatch,
)
from portal.buildings.models import Building, Floor, Occupancy, SpaceStandard
from portal.costs.models import CostBasis, CostBudget, CostCampaign, CostRecord
from portal.demo.exceptions import DemoDataError
from portal.depots.models import (
    CoverageAnalysis,
    Depot,
    Dispatch,
    DispatchLine,
    Incident,
    SitingScenario,
    StockItem,
    StockMovement,
    SupplyCategory,
)
from portal.fleet.models import Assignment, Booking, Driver, Trip, Vehicle, VehiclePool
from portal.ledgers.models import SpaceReport
from portal.org.models import AdminDivision, CooperationRegion, Unit
from portal.parcels.models import Certificate, Parcel, Right, SourceDocument, TitleCase

# Deleted in this order: dependants before what they point to.
SYNTHETIC_MODELS: tuple[type[Model], ...] = (
    SpaceReport,
    CostCampaign,
    CostRecord,
    CostBudget,
    CostBasis,
    Trip,
    Booking,
    VehiclePool,
    Driver,
    Vehicle,
    StockItem,
    Reservation,
    Need,
    Listing,
    Depot,
    Asset,
    Right,
    Certificate,
    Parcel,
    Occupancy,
    Building,
    Unit,
)
REFERENCE_MODELS: tuple[type[Model], ...] = (
    AdminDivision,
    CooperationRegion,
    AssetCategory,
    SupplyCategory,
    SpaceStandard,
)


def synthetic_state() -> tuple[bool, bool]:
    """Whether synthetic data is present, and whether its last written stage (the office-space
    reports) completed.

    The conflict run after it only computes findings; ``manage.py detect_conflicts`` redoes it.
    """
    present = Unit.objects.filter(synthetic=True).exists()
    return present, present and SpaceReport.objects.filter(synthetic=True).exists()


def count_rows() -> dict[str, int]:
    """Synthetic rows per registry model, the demo's title cases, all rows per reference table."""
    counts = {m._meta.label: m.objects.filter(synthetic=True).count() for m in SYNTHETIC_MODELS}
    cases = TitleCase.objects.filter(building__synthetic=True)
    counts[TitleCase._meta.label] = cases.count()
    counts.update({m._meta.label: m.objects.count() for m in REFERENCE_MODELS})
    return counts


def _delete(queryset: QuerySet[Any]) -> int:
    """Delete and return how many rows of the queryset's own model went."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def _delete_units() -> int:
    """Synthetic units, leaves first (a unit's parent link protects it)."""
    deleted = 0
    leaves = Unit.objects.filter(synthetic=True, children__isnull=True)
    while leaves.exists():
        deleted += _delete(leaves)
    if Unit.objects.filter(synthetic=True).exists():
        raise DemoDataError(_("Synthetic units are parents of real units; delete those first."))
    return deleted


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _delete_files_on_commit() -> None:
    """Remove the stored papers of the demo cases once their rows are gone for good."""
    documents = SourceDocument.objects.filter(case__building__synthetic=True)
    names = list(documents.values_list("file", flat=True))
    transaction.on_commit(partial(_delete_files, names))


def _delete_warehouse_records() -> None:
    """What hangs on demo assets and needs in the warehouse, whoever recorded it.

    The custody log refuses deletes (it is append-only); the demo's own world is the one
    exception, so its append-only trigger is set aside for this delete alone.
    """
    with pgtrigger.ignore("assets.CustodyEntry:append_only"):
        CustodyEntry.objects.filter(asset__synthetic=True).delete()
    DisposalItem.objects.filter(asset__synthetic=True).delete()
    DisposalBatch.objects.filter(synthetic=True).delete()
    Reservation.objects.filter(asset__synthetic=True).delete()
    TransferBatch.objects.filter(synthetic=True).delete()
    PurchaseRequest.objects.filter(need__synthetic=True).delete()


def _delete_stock_movements() -> None:
    """The stock log of demo depots, whoever recorded it: append-only like the custody log, so
    its trigger is set aside for the demo's own world alone."""
    with pgtrigger.ignore("depots.StockMovement:append_only"):
        StockMovement.objects.filter(depot__synthetic=True).delete()


def _delete_depot_work() -> None:
    """Dispatches from demo stock, incidents and analyses of demo units, and analyses that
    counted demo depots: whoever ran them, they describe the demo's world and go with it."""
    DispatchLine.objects.filter(stock_item__depot__synthetic=True).delete()
    Dispatch.objects.filter(Q(incident__unit__synthetic=True) | Q(lines__isnull=True)).delete()
    Incident.objects.filter(unit__synthetic=True).delete()
    CoverageAnalysis.objects.filter(
        Q(unit__synthetic=True) | Q(depot_rows__depot__synthetic=True)
    ).delete()
    SitingScenario.objects.filter(unit__synthetic=True).delete()


def _delete_fleet_work() -> None:
    """Assignments of demo bookings and vehicles, and the bookings and trips of demo units,
    pools and vehicles, whoever made them: they protect what the reset removes. A booking's
    approvals and history lines go with it; positions and tariffs with their vehicle and pool."""
    demo = (
        Q(unit__synthetic=True)
        | Q(pool__synthetic=True)
        | Q(assignments__vehicle__synthetic=True)
        | Q(assignments__driver__synthetic=True)
    )
    bookings = set(Booking.objects.filter(demo).values_list("pk", flat=True))
    trips = Trip.objects.filter(Q(booking__in=bookings) | Q(vehicle__synthetic=True))
    trips.exclude(synthetic=True).delete()  # the synthetic ones are counted with the others
    Assignment.objects.filter(Q(booking__in=bookings) | Q(vehicle__synthetic=True)).delete()
    Booking.objects.filter(pk__in=bookings, synthetic=False).delete()


def _delete_cost_and_ledger_work() -> None:
    """Figures and reports of demo units or on demo buildings, rounds the demo's accounts opened
    or acted in, and reports they took, whoever wrote them: they protect the buildings and
    accounts the reset removes (a round's returns and steps go with it)."""
    demo = Q(unit__synthetic=True)
    for model in (CostRecord, CostBudget, CostBasis):
        rows = model.objects.filter(
            demo | Q(building__synthetic=True) if model is CostRecord else demo
        )
        rows.filter(synthetic=False).delete()
    CostCampaign.objects.filter(
        Q(opened_by__unit__synthetic=True) | Q(returns__steps__by__unit__synthetic=True),
        synthetic=False,
    ).delete()
    SpaceReport.objects.filter(
        demo | Q(taken_by__unit__synthetic=True) | Q(steps__by__unit__synthetic=True),
        synthetic=False,
    ).delete()


def delete_synthetic() -> dict[str, int]:
    """Delete every synthetic row, the demo cases' files and the synthetic units' accounts.

    Title cases and what hangs on them (comments, checks, documents) go with their buildings.
    """
    _delete_files_on_commit()
    _delete_warehouse_records()
    _delete_stock_movements()
    _delete_depot_work()
    _delete_fleet_work()
    _delete_cost_and_ledger_work()
    deleted = {}
    for model in SYNTHETIC_MODELS[:-2]:
        deleted[model._meta.label] = _delete(model.objects.filter(synthetic=True))
    Floor.objects.filter(building__synthetic=True).delete()
    deleted[Building._meta.label] = _delete(Building.objects.filter(synthetic=True))
    user_model = get_user_model()
    deleted[user_model._meta.label] = _delete(user_model.objects.filter(unit__synthetic=True))
    deleted[Unit._meta.label] = _delete_units()
    return deleted
