"""JSON Schema of a collection's features (its ``describedby`` link): typed properties, so GDAL
and QGIS make integer, real, date and text fields instead of guessing from the first page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from rest_framework import serializers

from portal.features.collections import Collection

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"

_TYPES: tuple[tuple[type[Any], dict[str, Any]], ...] = (
    (serializers.BooleanField, {"type": "boolean"}),
    (serializers.IntegerField, {"type": "integer"}),
    (serializers.DecimalField, {"type": "number"}),
    (serializers.FloatField, {"type": "number"}),
    (serializers.DateTimeField, {"type": "string", "format": "date-time"}),
    (serializers.DateField, {"type": "string", "format": "date"}),
    (serializers.JSONField, {"type": "object"}),
    (serializers.ManyRelatedField, {"type": "array", "items": {"type": "string"}}),
    (serializers.ListField, {"type": "array"}),
)


def property_schema(field: serializers.Field) -> dict[str, Any]:
    """The JSON Schema of one serializer field, with its label and choices."""
    schema: dict[str, Any] = {"type": "string"}
    for kind, mapped in _TYPES:
        if isinstance(field, kind):
            schema = dict(mapped)
            break
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        schema["enum"] = [str(key) for key in field.choices]
    if field.label:
        schema["title"] = str(field.label)
    if getattr(field, "allow_null", False) or not field.required:
        schema["type"] = [schema["type"], "null"]
    return schema


def schema(request: HttpRequest, collection: Collection) -> dict[str, Any]:
    href = request.build_absolute_uri(
        reverse("features:schema", kwargs={"collection_id": collection.id})
    )
    properties = {
        name: property_schema(field) for name, field in collection.property_fields.items()
    }
    return {
        "$schema": JSON_SCHEMA,
        "$id": href,
        "type": "object",
        "title": str(collection.title),
        "properties": {
            "id": {"type": "integer" if collection.id_field in ("pk", "id") else "string"},
            "geometry": {"format": f"geometry-{collection.geometry_type.lower()}"},
            "properties": {"type": "object", "properties": properties},
        },
    }
