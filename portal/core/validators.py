"""Field validators that turn ``gis`` checks and upload checks into Django validation errors with
the reason."""

from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gis import codes
from gis.crs import SICHUAN_CHONGQING_BBOX
from gis.errors import CodeError
from portal.core.files import Accepted, UploadRejectedError, inspect_upload

# The registry covers Sichuan and Chongqing; anything beyond this (already padded) box is a typo,
# swapped axes or a projected coordinate pasted as degrees.
EXTENT = SICHUAN_CHONGQING_BBOX


def validate_division_code(value: str) -> None:
    try:
        codes.check_division_code(value)
    except CodeError as exc:
        raise ValidationError(
            _("Not a valid division code: %(reason)s"),
            params={"reason": exc.user_message},
            code="division_code",
        ) from None


def validate_credit_code(value: str) -> None:
    try:
        codes.check_uscc(value)
    except CodeError as exc:
        raise ValidationError(
            _("Not a valid unified social credit code: %(reason)s"),
            params={"reason": exc.user_message},
            code="credit_code",
        ) from None


def validate_real_estate_unit_code(value: str) -> None:
    try:
        codes.parse_real_estate_unit_code(value)
    except CodeError as exc:
        raise ValidationError(
            _("Not a valid real-estate unit code: %(reason)s"),
            params={"reason": exc.user_message},
            code="real_estate_unit_code",
        ) from None


def validate_geometry(geom: GEOSGeometry | None) -> None:
    """Reject empty, invalid or out-of-extent geometries, naming the problem and where it is."""
    if geom is None:
        return
    if geom.empty:
        raise ValidationError(_("The geometry is empty."), code="empty")
    if not geom.valid:
        raise ValidationError(
            _("The geometry is not valid: %(reason)s"),
            params={"reason": geom.valid_reason},
            code="invalid",
        )
    xmin, ymin, xmax, ymax = geom.extent
    if (
        xmin < EXTENT.min_lon
        or xmax > EXTENT.max_lon
        or ymin < EXTENT.min_lat
        or ymax > EXTENT.max_lat
    ):
        raise ValidationError(
            _(
                "The geometry lies outside Sichuan and Chongqing (%(extent)s); check for swapped "
                "longitude/latitude or projected coordinates."
            ),
            params={"extent": ", ".join(f"{v:.4f}" for v in geom.extent)},
            code="extent",
        )


class UploadValidator:
    """A form or serializer file field's check: the upload is one of ``accepted``'s kinds by its
    bytes and name, within its size limit (:func:`portal.core.files.inspect_upload`).

    The error leaves the field's name out: forms and the API show it against the field.
    """

    def __init__(self, accepted: Accepted) -> None:
        self.accepted = accepted

    def __call__(self, upload: Any) -> None:
        try:
            inspect_upload(upload, self.accepted)
        except UploadRejectedError as exc:
            raise ValidationError(exc.reason, code="upload") from None
