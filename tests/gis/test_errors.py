"""Tests for gis.errors: user-facing message, log detail and HTTP status."""

from __future__ import annotations

import pytest

from gis.errors import (
    CodeError,
    CoordinateError,
    CRSError,
    GeometryError,
    GisError,
    LegacyDatumError,
)


@pytest.mark.parametrize(
    "error_class", [CodeError, CRSError, LegacyDatumError, CoordinateError, GeometryError]
)
def test_single_hierarchy(error_class: type[GisError]) -> None:
    assert issubclass(error_class, GisError)


def test_legacy_datum_is_a_crs_error() -> None:
    assert issubclass(LegacyDatumError, CRSError)


def test_detail_is_kept_apart_from_user_message() -> None:
    error = CRSError("PROJ said: proj_create: unrecognized format")
    assert str(error) == "PROJ said: proj_create: unrecognized format"
    assert "PROJ" not in error.user_message
    assert error.http_status == 400


def test_defaults_and_overrides() -> None:
    assert str(GeometryError()) == GeometryError.default_user_message
    error = GisError("detail", user_message="Shown to the officer.", http_status=413)
    assert error.user_message == "Shown to the officer."
    assert error.http_status == 413
    assert GisError.http_status == 400  # the override is per instance
    assert LegacyDatumError().http_status == 422


def test_code_error_attributes() -> None:
    error = CodeError("51010", "must be 6 digits, got 5", field="division code")
    assert error.code == "51010"
    assert error.reason == "must be 6 digits, got 5"
    assert error.field == "division code"
    assert error.positions is None
    assert error.user_message == "Invalid division code '51010': must be 6 digits, got 5"
