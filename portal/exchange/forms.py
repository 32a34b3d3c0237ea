"""The upload form and the small export form: what the user declares about a file."""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from gis.crs import epsg_for_zone
from portal.core.files import CSV, GEOJSON, GEOPACKAGE, KML, XLSX, ZIP, Accepted
from portal.core.validators import UploadValidator
from portal.exchange.entities import ENTITIES
from portal.exchange.export import ExportFormat
from portal.exchange.sources import ReadOptions

# Sichuan and Chongqing span 97.35°–110.2°E: 3° zones 33–37 (central meridians 99°–111°E) and
# 6° zones 17–19 (99°, 105°, 111°E). Surveyors write eastings with and without the zone prefix.
GK3_LOCAL = range(33, 38)
GK6_LOCAL = range(17, 20)


def _gk(zone: int, width: int, *, prefixed: bool) -> tuple[str, Any]:
    code = epsg_for_zone(zone, prefixed=prefixed)
    meridian = 3 * zone if width == 3 else 6 * zone - 3
    if prefixed:
        text = _("CGCS2000 %(width)d° Gauss-Krüger zone %(zone)d, %(cm)d°E, zone-prefixed eastings")
    else:
        text = _("CGCS2000 %(width)d° Gauss-Krüger zone %(zone)d, %(cm)d°E")
    params = {"width": width, "zone": zone, "cm": meridian}
    return f"EPSG:{code}", lazy(lambda: f"{text % params} (EPSG:{code})", str)()


def _zones(zones: range, width: int, *, with_prefixed: bool) -> list[tuple[str, Any]]:
    choices = [_gk(z, width, prefixed=False) for z in zones]
    if with_prefixed:
        choices += [_gk(z, width, prefixed=True) for z in zones]
    return choices


GEOGRAPHIC = [
    ("EPSG:4490", _("CGCS2000 longitude/latitude (EPSG:4490)")),
    ("EPSG:4326", _("WGS 84 longitude/latitude, GPS (EPSG:4326)")),
]
IMPORT_CRS_CHOICES = [
    ("", _("As the file says (.prj, GeoPackage); longitude/latitude in CGCS2000 otherwise")),
    (_("Longitude/latitude"), GEOGRAPHIC),
    (_("3° Gauss-Krüger zones"), _zones(GK3_LOCAL, 3, with_prefixed=True)),
    (_("6° Gauss-Krüger zones"), _zones(GK6_LOCAL, 6, with_prefixed=True)),
    (
        _("Web maps"),
        [
            ("EPSG:3857", _("Web Mercator (EPSG:3857)")),
            ("GCJ-02", _("GCJ-02 (AMap 高德, Tencent 腾讯)")),
            ("BD-09", _("BD-09 (Baidu 百度)")),
        ],
    ),
]
EXPORT_CRS_CHOICES = [
    *GEOGRAPHIC,
    ("EPSG:3857", _("Web Mercator (EPSG:3857)")),
    *_zones(GK3_LOCAL, 3, with_prefixed=False),
]
ENCODING_CHOICES = [
    ("", _("Detect")),
    ("utf-8", "UTF-8"),
    ("gbk", "GBK"),
    ("gb18030", "GB18030"),
]
EXPORT_ENCODING_CHOICES = [("utf-8", "UTF-8"), ("gbk", _("GBK (Shapefile and CSV only)"))]


def entity_choices() -> list[tuple[str, Any]]:
    return [(name, entity.label) for name, entity in ENTITIES.items()]


# What an import may be, judged by the name's extension and the first bytes together; the size
# is checked apart (size_problem) with its own advice.
IMPORT_FILES: Final = Accepted(
    field=_("File"),
    kinds=(GEOPACKAGE, ZIP, XLSX, GEOJSON, KML, CSV),
    expected=_("a GeoPackage, zipped Shapefile, GeoJSON, KML, CSV or Excel (.xlsx) file"),
)


def size_problem(size: int | None) -> str | None:
    """The refusal of a file above ``TIANFU_IMPORT_MAX_MB``, read at call time for tests."""
    limit = settings.TIANFU_IMPORT_MAX_MB
    if (size or 0) <= limit * 1024 * 1024:
        return None
    return _("The file is larger than %(limit)s MB; split it or ask for a larger limit.") % {
        "limit": limit
    }


class ImportForm(forms.Form):
    entity = forms.ChoiceField(label=_("Record type"), choices=entity_choices)
    file = forms.FileField(
        label=_("File"),
        validators=[UploadValidator(IMPORT_FILES)],
        help_text=_(
            "GeoPackage, zipped Shapefile, GeoJSON, KML, CSV or Excel (.xlsx). "
            "Nothing is written until you have read the check and confirmed it."
        ),
    )
    crs = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=IMPORT_CRS_CHOICES,
        required=False,
        help_text=_(
            "Files in Xian 1980 or Beijing 1954 are refused: no exact conversion to CGCS2000 "
            "exists, so they must be converted by a surveyor first."
        ),
    )
    encoding = forms.ChoiceField(label=_("Text encoding"), choices=ENCODING_CHOICES, required=False)
    layer = forms.CharField(
        label=_("Layer or sheet"),
        max_length=100,
        required=False,
        help_text=_("Only needed when the file holds several layers or sheets."),
    )
    repair = forms.BooleanField(
        label=_("Repair invalid geometries (self-intersections) and report each repair"),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = size_problem(upload.size)
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def options(self) -> ReadOptions:
        data = self.cleaned_data
        return ReadOptions(
            crs=data["crs"] or None,
            encoding=data["encoding"] or None,
            layer=data["layer"].strip() or None,
        )


class ExportForm(forms.Form):
    """Rendered once per record type on the import list; the export view reads its GET."""

    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=EXPORT_CRS_CHOICES)
    encoding = forms.ChoiceField(label=_("Text encoding"), choices=EXPORT_ENCODING_CHOICES)
