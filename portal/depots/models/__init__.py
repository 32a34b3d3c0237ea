"""Emergency depots and their stock, coverage and siting analyses, incidents and dispatches."""

from portal.depots.models.analysis import (
    CountyCoverage,
    CoverageAnalysis,
    DepotCoverage,
    ScenarioSite,
    SitingScenario,
)
from portal.depots.models.incidents import Dispatch, DispatchLine, Incident, IncidentNeed
from portal.depots.models.registry import QUANTITY, Depot, StockItem, SupplyCategory
from portal.depots.models.stock import StockMovement

__all__ = [
    "QUANTITY",
    "CountyCoverage",
    "CoverageAnalysis",
    "Depot",
    "DepotCoverage",
    "Dispatch",
    "DispatchLine",
    "Incident",
    "IncidentNeed",
    "ScenarioSite",
    "SitingScenario",
    "StockItem",
    "StockMovement",
    "SupplyCategory",
]
