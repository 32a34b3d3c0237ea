"""Tests for gis.codes: division, unified social credit and real-estate unit codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.codes import (
    PARCEL_TYPES,
    USCC_CHARSET,
    DivisionCode,
    check_division_code,
    check_uscc,
    complete_uscc,
    parse_real_estate_unit_code,
)
from gis.errors import CodeError

# --- GB/T 2260 division codes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("510000", "province", None),  # Sichuan
        ("510100", "city", "510000"),  # Chengdu
        ("510104", "county", "510100"),  # Jinjiang district
        ("511623", "county", "511600"),  # Linshui
        ("500000", "province", None),  # Chongqing
        ("500112", "county", "500100"),  # Yubei
    ],
)
def test_division_levels_and_parents(code: str, level: str, parent: str | None) -> None:
    division = check_division_code(code)
    assert division.level == level
    assert division.parent == parent
    assert division.province + division.prefecture + division.county == code


def test_division_parts_and_whitespace() -> None:
    assert check_division_code(" 510104\t") == DivisionCode(
        "510104", "51", "01", "04", "county", "510100"
    )


@pytest.mark.parametrize(
    "prefix", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "82"]
)
def test_known_province_prefixes(prefix: str) -> None:
    assert check_division_code(prefix + "0000").level == "province"


@pytest.mark.parametrize("prefix", ["00", "10", "16", "20", "24", "38", "47", "55", "66", "99"])
def test_unknown_province_prefixes(prefix: str) -> None:
    with pytest.raises(CodeError, match=f"unknown province prefix {prefix} at positions 1-2"):
        check_division_code(prefix + "0100")


@pytest.mark.parametrize(
    ("code", "message", "positions"),
    [
        ("51010", "must be 6 digits, got 5", None),
        ("5101000", "must be 6 digits, got 7", None),
        ("51O100", "character 'O' at position 3 is not a digit", (3, 3)),
        ("５１０１００", "character '５' at position 1 is not a digit", (1, 1)),
        ("510001", "county part 01 at positions 5-6 has no prefecture part", (3, 4)),
    ],
)
def test_division_errors(code: str, message: str, positions: tuple[int, int] | None) -> None:
    with pytest.raises(CodeError) as caught:
        check_division_code(code)
    assert message in caught.value.user_message
    assert caught.value.positions == positions
    assert caught.value.code == code
    assert caught.value.field == "division code"


# --- GB 32100 unified social credit codes -------------------------------------------------

# Codes as published, whose check characters the implementation must accept:
# the example quoted in most descriptions of GB 32100 (a Fuzhou enterprise), China National
# Petroleum Corporation, and a central public institution registered under 100000.
PUBLISHED_USCC = ["91350100M000100Y43", "91110000100010433L", "12100000400000624D"]


@pytest.mark.parametrize("code", PUBLISHED_USCC)
def test_published_codes_are_valid(code: str) -> None:
    assert check_uscc(code).code == code


def gb11714_check(body: str) -> str:
    """Check digit of the 9-character organisation code embedded in positions 9-17."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    digit = 11 - total % 11
    return {10: "X", 11: "0"}.get(digit, str(digit))


@pytest.mark.parametrize("code", PUBLISHED_USCC)
def test_published_codes_embed_valid_organisation_codes(code: str) -> None:
    # An independent check that the published samples are genuine rather than typed from
    # memory: their organisation codes carry a correct GB 11714 check digit too.
    org = check_uscc(code).org_code
    assert gb11714_check(org[:8]) == org[8]


def test_uscc_parts() -> None:
    parsed = check_uscc("91350100M000100Y43")
    assert parsed.authority == "9"
    assert parsed.authority_name == "industry and commerce"
    assert parsed.org_type == "1"
    assert parsed.division_code == "350100"
    assert parsed.org_code == "M000100Y4"
    assert parsed.check_char == "3"
    assert not parsed.is_government_organ
    assert not parsed.is_public_institution


def test_uscc_normalises_case_and_whitespace() -> None:
    assert check_uscc("  91350100m000100y43 \n").code == "91350100M000100Y43"


def test_government_organ_and_public_institution() -> None:
    organ = check_uscc(complete_uscc("11510000MB0000001"))
    assert organ.is_government_organ
    assert organ.authority_name == "organ establishment"
    institution = check_uscc(complete_uscc("12510100MB0000002"))
    assert institution.is_public_institution
    assert not institution.is_government_organ


@pytest.mark.parametrize(
    ("code", "message", "positions"),
    [
        ("91350100M000100Y4", "must be 18 characters, got 17", None),
        ("9135I100M000100Y43", "character 'I' at position 5 is not allowed", (5, 5)),
        ("91350100M000100Y4O", "character 'O' at position 18 is not allowed", (18, 18)),
        ("91350100M000100Y44", "check character at position 18 should be '3', found '4'", (18, 18)),
        ("91990100M000100Y43", "unknown province prefix 99 at positions 3-4", (3, 4)),
        ("913501A0M000100Y43", "character 'A' at position 7 is not a digit", (7, 7)),
    ],
)
def test_uscc_errors(code: str, message: str, positions: tuple[int, int] | None) -> None:
    with pytest.raises(CodeError) as caught:
        check_uscc(code)
    assert message in caught.value.user_message
    assert caught.value.positions == positions
    assert caught.value.field == "unified social credit code"


def test_complete_uscc_errors() -> None:
    with pytest.raises(CodeError, match="must be 17 characters, got 18"):
        complete_uscc("91350100M000100Y43")
    with pytest.raises(CodeError, match="character 'Z' at position 9"):
        complete_uscc("91350100Z000100Y4")


division_prefixes = st.sampled_from(["510000", "510100", "510104", "500112", "110105"])
charset_chars = st.sampled_from(USCC_CHARSET)
uscc_prefixes = st.builds(
    lambda head, division, tail: "".join(head) + division + "".join(tail),
    st.lists(charset_chars, min_size=2, max_size=2),
    division_prefixes,
    st.lists(charset_chars, min_size=9, max_size=9),
)


@settings(max_examples=200, deadline=None)
@given(uscc_prefixes)
def test_completed_codes_validate(first17: str) -> None:
    code = complete_uscc(first17)
    assert code[:17] == first17
    assert check_uscc(code).code == code


@settings(max_examples=200, deadline=None)
@given(uscc_prefixes, st.integers(0, 17), charset_chars)
def test_any_single_substitution_is_rejected(first17: str, index: int, char: str) -> None:
    # The weights are non-zero modulo the prime 31, so every single substitution changes the
    # weighted sum and is caught (or the division check fires first).
    code = complete_uscc(first17)
    altered = code[:index] + char + code[index + 1 :]
    if altered == code:
        return
    with pytest.raises(CodeError):
        check_uscc(altered)


# --- GB/T 37346 real-estate unit codes ---------------------------------------------------

# Constructed codes (no real certificate numbers): Jinjiang district 510104, cadastral zone 001,
# subzone 002, state land (G) with a construction land use right at the surface (B), parcel
# 00012, building (F) unit 0001-0002.
BUILDING_UNIT = "510104001002GB00012F00010002"
BARE_PARCEL = "510104001002GB00012W00000000"


def test_parse_building_unit() -> None:
    unit = parse_real_estate_unit_code(BUILDING_UNIT)
    assert unit.county_code == "510104"
    assert unit.cadastral_zone == "001"
    assert unit.cadastral_subzone == "002"
    assert unit.ownership == "G"
    assert unit.parcel_type == "B"
    assert unit.parcel_seq == "00012"
    assert unit.fixture_type == "F"
    assert unit.fixture_no == "00010002"
    assert unit.parcel_code == "510104001002GB00012"


def test_parse_bare_parcel_lowercase_and_spaces() -> None:
    assert parse_real_estate_unit_code(f" {BARE_PARCEL.lower()} ").code == BARE_PARCEL


@pytest.mark.parametrize("parcel_type", sorted(PARCEL_TYPES))
def test_every_parcel_type_accepted(parcel_type: str) -> None:
    code = BUILDING_UNIT[:13] + parcel_type + BUILDING_UNIT[14:]
    assert parse_real_estate_unit_code(code).parcel_type == parcel_type


@pytest.mark.parametrize("division", ["510104", "510100", "510000"])
def test_division_cross_check_accepts_same_or_enclosing(division: str) -> None:
    assert parse_real_estate_unit_code(BUILDING_UNIT, division_code=division)


@pytest.mark.parametrize("division", ["510105", "510700", "500000"])
def test_division_cross_check_names_both_codes(division: str) -> None:
    with pytest.raises(CodeError) as caught:
        parse_real_estate_unit_code(BUILDING_UNIT, division_code=division)
    expected = "positions 1-6 give county 510104, which is not within the record's division"
    assert f"{expected} {division}" in caught.value.user_message
    assert caught.value.positions == (1, 6)


def test_division_cross_check_compares_whole_parts() -> None:
    # Linshui (511623) is in Guang'an (511600), not Neijiang (511000), although both codes
    # start with 511: the comparison must use the 2-digit parts, not stripped zeros.
    linshui = "511623" + BUILDING_UNIT[6:]
    assert parse_real_estate_unit_code(linshui, division_code="511600")
    with pytest.raises(CodeError, match="not within the record's division 511000"):
        parse_real_estate_unit_code(linshui, division_code="511000")


def replace(code: str, position: int, text: str) -> str:
    """Overwrite ``code`` from 1-based ``position`` with ``text``."""
    return code[: position - 1] + text + code[position - 1 + len(text) :]


@pytest.mark.parametrize(
    ("code", "message", "positions"),
    [
        (BUILDING_UNIT[:-1], "must be 28 characters, got 27", None),
        (
            replace(BUILDING_UNIT, 1, "510100"),
            "must be a county-level division code, got city-level 510100",
            (1, 6),
        ),
        (
            replace(BUILDING_UNIT, 1, "990104"),
            "unknown province prefix 99 at positions 1-2",
            (1, 2),
        ),
        (
            replace(BUILDING_UNIT, 8, "A"),
            "character 'A' at position 8 is not a digit (cadastral zone, positions 7-9)",
            (8, 8),
        ),
        (
            replace(BUILDING_UNIT, 11, "-"),
            "character '-' at position 11 is not a digit (cadastral subzone, positions 10-12)",
            (11, 11),
        ),
        (
            replace(BUILDING_UNIT, 13, "X"),
            "character 'X' at position 13 is not a known ownership (expected one of G, J, Z)",
            (13, 13),
        ),
        (
            replace(BUILDING_UNIT, 14, "K"),
            "character 'K' at position 14 is not a known parcel type",
            (14, 14),
        ),
        (
            replace(BUILDING_UNIT, 15, "0000O"),
            "character 'O' at position 19 is not a digit (parcel sequence, positions 15-19)",
            (19, 19),
        ),
        (
            replace(BUILDING_UNIT, 15, "00000"),
            "parcel sequence at positions 15-19 must be 00001-99999, got 00000",
            (15, 19),
        ),
        (
            replace(BUILDING_UNIT, 20, "P"),
            "character 'P' at position 20 is not a known fixture type (expected one of F, L, Q, W)",
            (20, 20),
        ),
        (
            replace(BUILDING_UNIT, 28, "x"),
            "character 'X' at position 28 is not a digit (fixture unit number, positions 21-28)",
            (28, 28),
        ),
        (
            replace(BUILDING_UNIT, 20, "W"),
            "positions 21-28 must be 00000000 when the fixture "
            "type at position 20 is W (none), got 00010002",
            (21, 28),
        ),
    ],
)
def test_real_estate_unit_code_errors(
    code: str, message: str, positions: tuple[int, int] | None
) -> None:
    with pytest.raises(CodeError) as caught:
        parse_real_estate_unit_code(code)
    assert message in caught.value.user_message
    assert caught.value.positions == positions
    assert caught.value.field == "real-estate unit code"


def test_division_code_argument_is_validated() -> None:
    with pytest.raises(CodeError, match="division code"):
        parse_real_estate_unit_code(BUILDING_UNIT, division_code="5101")
