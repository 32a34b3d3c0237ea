"""Exception hierarchy of the spatial core.

Every error raised on purpose by :mod:`gis` derives from :class:`GisError`. Following the
pattern of pygeoapi's ``GenericError``, an error carries two texts:

* the exception message (``str(exc)``), a detail meant for the log, which may quote internals;
* :attr:`GisError.user_message`, a short English sentence that is safe to show to the officer
  who submitted the data (the portal translates it).

:attr:`GisError.http_status` tells a web layer which status to answer with, so the portal can map
any :class:`GisError` to a response without knowing every subclass.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CRSError",
    "CodeError",
    "CoordinateError",
    "GeometryError",
    "GisError",
    "LegacyDatumError",
]


class GisError(Exception):
    """Base class of every error raised deliberately by :mod:`gis`.

    Parameters
    ----------
    detail : str, optional
        Text for the log. Defaults to ``user_message``.
    user_message : str, optional
        Text safe to show to end users. Defaults to the class's ``default_user_message``.
    http_status : int, optional
        HTTP status a web layer should answer with. Defaults to the class attribute.

    Attributes
    ----------
    user_message : str
        Short English sentence safe to show to end users.
    http_status : int
        Suggested HTTP status code (400 unless a subclass or caller says otherwise).
    """

    default_user_message: ClassVar[str] = "The spatial data could not be processed."
    http_status: int = 400

    def __init__(
        self,
        detail: str | None = None,
        *,
        user_message: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.user_message = user_message or self.default_user_message
        if http_status is not None:
            self.http_status = http_status
        super().__init__(detail or self.user_message)


class CodeError(GisError):
    """A structured code (division, credit or real-estate unit code) is malformed.

    Parameters
    ----------
    code : str
        The code as received, quoted back in messages so users can find the typo.
    reason : str
        What is wrong, e.g. ``"must be 6 digits, got 5"``.
    field : str
        Human name of the kind of code, e.g. ``"division code"``.
    positions : tuple of int, optional
        First and last 1-based character positions at fault (equal for a single character),
        or ``None`` when the fault concerns the whole code (its length, say).

    Attributes
    ----------
    code, reason, field, positions
        As given, so callers can highlight the offending characters.
    """

    default_user_message = "The code is not valid."

    def __init__(
        self,
        code: str,
        reason: str,
        *,
        field: str,
        positions: tuple[int, int] | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.field = field
        self.positions = positions
        super().__init__(
            f"{field} {code!r} rejected: {reason}",
            user_message=f"Invalid {field} {code!r}: {reason}",
        )


class CRSError(GisError):
    """A coordinate reference system is unknown, unparsable or unsupported."""

    default_user_message = "The coordinate reference system is not recognised or not supported."


class LegacyDatumError(CRSError):
    """Data on Xian 1980 or Beijing 1954 cannot be transformed without extra parameters.

    PROJ only knows a "ballpark" (no-op) transformation from these datums to CGCS2000, which
    is wrong by tens to hundreds of metres, so such uploads must be quarantined until the
    seven-parameter (or grid) transformation is supplied rather than silently converted.
    """

    default_user_message = (
        "The data uses a legacy datum (Xian 1980 or Beijing 1954). It has been held back "
        "until transformation parameters to CGCS2000 are supplied."
    )
    http_status = 422


class CoordinateError(GisError):
    """Coordinates are out of range or evidently swapped or mis-scaled."""

    default_user_message = "The coordinates are out of range or in the wrong order."


class GeometryError(GisError):
    """A geometry has an unsupported type or is unusable for the requested operation."""

    default_user_message = "The geometry is not valid for this operation."
