"""A finding's measures in words, in the reader's language, for its page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.parcels.models import Finding

# The problems a code check names (see CODE_MISMATCH in portal.parcels.sql).
_CODE_PROBLEMS: dict[str, Callable[[dict[str, Any]], str]] = {
    "malformed": lambda m: _(
        "It does not have the 28-character shape of GB/T 37346 (county, cadastral zone, "
        "ownership and parcel type letters, parcel sequence, fixture type and number)."
    ),
    "division": lambda m: (
        _("Its first six digits do not lie within the parcel's division %(code)s.")
        % {"code": m.get("division_code")}
    ),
    "location": lambda m: (
        _("Its first six digits name another county than %(code)s, where the parcel lies.")
        % {"code": m.get("location_code")}
    ),
}


def _number(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def _overlap(f: Finding, m: dict[str, Any]) -> list[str]:
    text = _(
        "Parcels %(a)s and %(b)s overlap by %(area)s m²: %(share_a)s%% of %(a)s and "
        "%(share_b)s%% of %(b)s."
    )
    values = {"a": f.parcel, "b": f.other_parcel, "area": _number(m.get("overlap_m2"))}
    return [text % {**values, "share_a": _number(m["share_a"]), "share_b": _number(m["share_b"])}]


def _outside(f: Finding, m: dict[str, Any]) -> list[str]:
    if f.parcel is None:
        return [_("The building stands on no registered parcel.")]
    if m.get("status") == "outside":
        return [_("The building lies wholly off its parcel %(parcel)s.") % {"parcel": f.parcel}]
    text = _("%(share)s%% of the footprint (%(area)s m²) lies off its parcel %(parcel)s.")
    area = _number(m.get("outside_m2"))
    return [text % {"share": _number(m["share_outside"]), "area": area, "parcel": f.parcel}]


def _occupants(f: Finding, m: dict[str, Any]) -> list[str]:
    names = "、".join(o["name"] for o in m.get("occupants", []))
    text = _(
        "Parcel %(parcel)s is held by %(holder)s, which is not an offices administration, "
        "but the building on it is occupied by %(names)s."
    )
    return [text % {"parcel": f.parcel, "holder": m.get("holder_name"), "names": names}]


def _duplicate(what: Promise) -> Callable[[Finding, dict[str, Any]], list[str]]:
    def lines(f: Finding, m: dict[str, Any]) -> list[str]:
        records = m.get("records", [])
        head = _("%(what)s %(value)s is recorded on %(count)d records of different objects:") % {
            "what": what,
            "value": m.get("value"),
            "count": len(records),
        }
        return [head, *(_record(r) for r in records)]

    return lines


def _record(record: dict[str, Any]) -> str:
    if record["source"] == "parcel":
        return _("parcel #%(id)s: %(value)s") % record
    return _("certificate #%(id)s: %(value)s") % record


def _claim(f: Finding, m: dict[str, Any]) -> list[str]:
    head = _("Current rights of several units add up to a share of %(total)s:") % {
        "total": _number(m.get("total_share"), 4)
    }
    rights = [
        _("%(unit)s holds %(share)s") % {"unit": r["unit_name"], "share": _number(r["share"], 4)}
        for r in m.get("rights", [])
    ]
    return [head, *rights]


def _area(f: Finding, m: dict[str, Any]) -> list[str]:
    text = _(
        "The certificate states %(stated)s m², the parcel's geodesic area is %(computed)s m² "
        "(%(difference)s%%)."
    )
    difference = f"{float(m['difference_pct']):+.2f}"
    values = {"stated": _number(m["certificate_m2"]), "computed": _number(m["computed_m2"])}
    return [text % {**values, "difference": difference}]


def _code(f: Finding, m: dict[str, Any]) -> list[str]:
    head = _("Real-estate unit code %(code)s:") % {"code": m.get("code")}
    return [head, *(_CODE_PROBLEMS[p](m) for p in m.get("problems", []) if p in _CODE_PROBLEMS)]


_EXPLAIN: dict[str, Callable[[Finding, dict[str, Any]], list[str]]] = {
    "parcel_overlap": _overlap,
    "building_outside": _outside,
    "occupant_not_holder": _occupants,
    "duplicate_certificate": _duplicate(gettext_lazy("The certificate number")),
    "duplicate_unit_code": _duplicate(gettext_lazy("The real-estate unit code")),
    "double_claim": _claim,
    "area_mismatch": _area,
    "code_mismatch": _code,
}


def explain(finding: Finding) -> list[str]:
    """Sentences saying what the finding's measures mean (the first one sums it up)."""
    return _EXPLAIN[finding.kind](finding, finding.measures or {})
