"""Finding, counting and deleting the synthetic rows of the registry."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from portal.assets.models import Asset, AssetCategory
from portal.buildings.models import Building, Floor, Occupancy, SpaceStandard
from portal.demo.exceptions import DemoDataError
from portal.depots.models import Depot, StockItem, SupplyCategory
from portal.fleet.models import Vehicle
from portal.org.models import AdminDivision, CooperationRegion, Unit
from portal.parcels.models import Parcel

# Deleted in this order: dependants before what they point to.
SYNTHETIC_MODELS: tuple[type[Model], ...] = (
    Vehicle,
    StockItem,
    Depot,
    Asset,
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
    """Whether synthetic data is present, and whether its last stage (vehicles) completed."""
    present = Unit.objects.filter(synthetic=True).exists()
    return present, present and Vehicle.objects.filter(synthetic=True).exists()


def count_rows() -> dict[str, int]:
    """Synthetic rows per registry model and all rows per reference table."""
    counts = {m._meta.label: m.objects.filter(synthetic=True).count() for m in SYNTHETIC_MODELS}
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


def delete_synthetic() -> dict[str, int]:
    """Delete every synthetic row and the accounts that belong to synthetic units."""
    deleted = {}
    for model in SYNTHETIC_MODELS[:-2]:
        deleted[model._meta.label] = _delete(model.objects.filter(synthetic=True))
    Floor.objects.filter(building__synthetic=True).delete()
    deleted[Building._meta.label] = _delete(Building.objects.filter(synthetic=True))
    user_model = get_user_model()
    deleted[user_model._meta.label] = _delete(user_model.objects.filter(unit__synthetic=True))
    deleted[Unit._meta.label] = _delete_units()
    return deleted
