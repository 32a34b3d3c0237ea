from typing import Any, Final

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.core.api import RECORD_FIELDS, RegistryGeoSerializer, RegistrySerializer
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory
from portal.org.models import AdminDivision, Unit

# What a POST to /api/stock-items/ says about the receipt that brings the batch in.
RECEIPT_FIELDS: Final = ("document_no", "occurred_on", "counterparty")


class DepotSerializer(RegistryGeoSerializer):
    # All units: a managing unit outside the user's scope is refused by the service with 403.
    managing_unit = serializers.SlugRelatedField(
        slug_field="credit_code", queryset=Unit.objects.all()
    )
    division = serializers.SlugRelatedField(
        slug_field="code", queryset=AdminDivision.objects.current()
    )

    class Meta:
        model = Depot
        geo_field = "geom"
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "managing_unit",
            "division",
            "address",
            "capacity_m3",
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS


class StockItemSerializer(RegistrySerializer):
    """A batch. Its quantity changes only through the stock log: a POST is the batch's receipt
    (written by the stock service with its movement, so ``document_no`` is required), and an
    update that changes ``quantity`` or ``depot`` is refused naming it (one that repeats them
    passes, so a client may PUT back what it read)."""

    # The depot decides the owning unit: any depot, refused with 403 when out of scope.
    depot = serializers.SlugRelatedField(slug_field="code", queryset=Depot.objects.all())
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=SupplyCategory.objects.all()
    )
    document_no = serializers.CharField(
        write_only=True,
        required=False,
        help_text=_("Receipt document number: required by a POST, refused by an update."),
    )
    occurred_on = serializers.DateField(
        write_only=True, required=False, help_text=_("Date of the receipt (POST); today if absent.")
    )
    counterparty = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("Supplier of the receipt (POST)."),
    )

    class Meta:
        model = StockItem
        fields = [
            "id",
            "depot",
            "category",
            "name",
            "batch_no",
            "quantity",
            "unit_of_measure",
            "expires_on",
            "minimum_level",
            "unit_volume_m3",
            "dual_use",
            *RECEIPT_FIELDS,
            *RECORD_FIELDS,
        ]
        read_only_fields = RECORD_FIELDS

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            return attrs
        errors = {
            name: [_("This describes a receipt; it is given only when a batch is created.")]
            for name in RECEIPT_FIELDS
            if name in attrs
        }
        if "quantity" in attrs and attrs["quantity"] != self.instance.quantity:
            errors["quantity"] = [
                _(
                    "The quantity changes only through stock movements: record a receipt, "
                    "issue, stocktake or write-off on the depot's page."
                )
            ]
        if "depot" in attrs and attrs["depot"] != self.instance.depot:
            # The depot's log would lose the batch: a move is an issue here, a receipt there.
            errors["depot"] = [_("A batch stays in its depot; issue it and receive it there.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class SupplyCategorySerializer(RegistrySerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = SupplyCategory
        fields = ["id", "code", "name", "parent", "needs_check"]


class StockMovementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One entry of the append-only stock log; ``document_url`` serves its scan, if any, to
    whoever may read the log."""

    depot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.CharField(source="stock_item.category.code", read_only=True)
    batch_no = serializers.CharField(source="stock_item.batch_no", read_only=True)
    unit_of_measure = serializers.CharField(source="stock_item.unit_of_measure", read_only=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "depot",
            "stock_item",
            "category",
            "batch_no",
            "kind",
            "change",
            "balance",
            "unit_of_measure",
            "document_no",
            "document_url",
            "counterparty",
            "reason",
            "dispatch",
            "occurred_on",
            "by",
            "at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_document_url(self, movement: StockMovement) -> str | None:
        if not movement.document:
            return None
        url = reverse("depots:stock_movement_document", args=[movement.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url
