"""Parcels and the title registry: rights, certificates, sources, cases and conflicts."""

from portal.parcels.models.cases import CaseComment, Reconciliation, TitleCase
from portal.parcels.models.conflicts import ConflictRun, Finding
from portal.parcels.models.parcel import Parcel
from portal.parcels.models.titles import (
    BuildingParcel,
    Certificate,
    Right,
    SourceDocument,
)

__all__ = [
    "BuildingParcel",
    "CaseComment",
    "Certificate",
    "ConflictRun",
    "Finding",
    "Parcel",
    "Reconciliation",
    "Right",
    "SourceDocument",
    "TitleCase",
]
