"""Keys of related records a reader may not know of, answered as null by the API's serializers.

A record the reader sees may name a related one classified above the reader's clearance (an
occupancy's or a need's building): its key would name a record every channel hides. The lists
built by PostGIS do the same in SQL (``portal.core.geojson.withheld_related``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from portal.org.scoping import cleared_for_all, cleared_q


def withhold_related(serializer: Any, instance: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the key or code of each related record classified above the reader's
    clearance replaced by null (the lists do the same in SQL: ``geojson.withheld_related``)."""
    request = serializer.context.get("request")
    if request is None:
        return fields
    for name, field in serializer.fields.items():
        if not isinstance(field, serializers.RelatedField) or "." in field.source:
            continue
        if fields.get(name) is None:
            continue
        model_field = instance._meta.get_field(field.source)
        hidden = _hidden_keys(serializer.context, model_field.related_model, request.user)
        if getattr(instance, model_field.attname) in hidden:
            fields[name] = None
    return fields


def _hidden_keys(context: dict[str, Any], model: Any, user: Any) -> frozenset[Any]:
    """The keys of ``model``'s records classified above ``user``'s clearance: one query per
    related model and request (kept in the serializer's shared context), none for a reader
    cleared for every level or a model without levels."""
    cache = context.setdefault("withheld_keys", {})
    if model not in cache:
        path = getattr(model._default_manager._queryset_class, "confidentiality_path", None)
        cleared = cleared_q(model, user, path)
        keys: Any = ()
        if cleared and not cleared_for_all(user):
            keys = model._default_manager.exclude(cleared).values_list("pk", flat=True)
        cache[model] = frozenset(keys)
    return cache[model]  # type: ignore[no-any-return]
