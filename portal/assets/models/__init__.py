"""State assets, the public asset warehouse, needs, transfers and disposal."""

from portal.assets.models.demand import MatchReview, Need, PurchaseRequest
from portal.assets.models.disposal import DisposalBatch, DisposalItem
from portal.assets.models.ledger import MONEY, Asset, AssetCategory
from portal.assets.models.transfers import (
    Approval,
    ApprovalRule,
    CustodyEntry,
    Reservation,
    TransferBatch,
)
from portal.assets.models.warehouse import Listing, ListingPhoto, SpaceListing

__all__ = [
    "MONEY",
    "Approval",
    "ApprovalRule",
    "Asset",
    "AssetCategory",
    "CustodyEntry",
    "DisposalBatch",
    "DisposalItem",
    "Listing",
    "ListingPhoto",
    "MatchReview",
    "Need",
    "PurchaseRequest",
    "Reservation",
    "SpaceListing",
    "TransferBatch",
]
