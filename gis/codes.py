"""Validation of the structured codes that identify places, units and real estate.

* GB/T 2260 administrative division codes (6 digits);
* GB 32100 unified social credit codes (18 characters), the natural key of a unit;
* GB/T 37346 real-estate unit codes (28 characters).

Every rejection raises :class:`gis.errors.CodeError` saying what is wrong and, when particular
characters are at fault, their 1-based positions, so an officer can find the typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from gis.errors import CodeError

__all__ = [
    "FIXTURE_TYPES",
    "OWNERSHIP_TYPES",
    "PARCEL_TYPES",
    "REGISTRATION_AUTHORITIES",
    "USCC_CHARSET",
    "DivisionCode",
    "RealEstateUnitCode",
    "UnifiedSocialCreditCode",
    "check_division_code",
    "check_uscc",
    "complete_uscc",
    "parse_real_estate_unit_code",
]

DivisionLevel = Literal["province", "city", "county"]

# First two digits of GB/T 2260: the provinces, autonomous regions, municipalities, Taiwan (71)
# and the special administrative regions (81, 82).
_PROVINCE_PREFIXES: Final = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    )
)


def _span(first: int, last: int) -> str:
    return f"position {first}" if first == last else f"positions {first}-{last}"


@dataclass(frozen=True, slots=True)
class DivisionCode:
    """A GB/T 2260 division code split into its parts.

    Attributes
    ----------
    code : str
        The 6 digits, e.g. ``"510104"``.
    province, prefecture, county : str
        The three 2-digit parts (``"51"``, ``"01"``, ``"04"``).
    level : {"province", "city", "county"}
        ``xx0000`` is a province, ``xxyy00`` a prefecture-level city, anything else a county.
    parent : str or None
        The code of the enclosing level (``"510100"``), ``None`` for a province.
    """

    code: str
    province: str
    prefecture: str
    county: str
    level: DivisionLevel
    parent: str | None


def _digit_fault(text: str, offset: int) -> tuple[int, str] | None:
    """Return ``(position, char)`` of the first non-ASCII-digit, positions shifted by offset."""
    for index, char in enumerate(text):
        # str.isdigit alone accepts full-width and other Unicode digits, which databases and
        # other systems would not treat as the same code.
        if not (char.isascii() and char.isdigit()):
            return offset + index + 1, char
    return None


def _division(digits: str, *, code: str, field: str, offset: int = 0) -> DivisionCode:
    """Validate 6 characters of ``code`` starting after ``offset`` as a division code."""
    fault = _digit_fault(digits, offset)
    if fault is not None:
        position, char = fault
        raise CodeError(
            code,
            f"character {char!r} at position {position} is not a digit",
            field=field,
            positions=(position, position),
        )
    province, prefecture, county = digits[:2], digits[2:4], digits[4:]
    if province not in _PROVINCE_PREFIXES:
        raise CodeError(
            code,
            f"unknown province prefix {province} at {_span(offset + 1, offset + 2)}",
            field=field,
            positions=(offset + 1, offset + 2),
        )
    if prefecture == "00" and county != "00":
        raise CodeError(
            code,
            f"county part {county} at {_span(offset + 5, offset + 6)} "
            f"has no prefecture part ({_span(offset + 3, offset + 4)} are 00)",
            field=field,
            positions=(offset + 3, offset + 4),
        )
    if prefecture == "00":
        return DivisionCode(digits, province, prefecture, county, "province", None)
    if county == "00":
        return DivisionCode(digits, province, prefecture, county, "city", f"{province}0000")
    return DivisionCode(digits, province, prefecture, county, "county", f"{province}{prefecture}00")


def check_division_code(code: str) -> DivisionCode:
    """Validate a GB/T 2260 administrative division code.

    Parameters
    ----------
    code : str
        Six ASCII digits; surrounding whitespace is ignored.

    Returns
    -------
    DivisionCode
        The code split into parts, with its level and parent.

    Raises
    ------
    CodeError
        E.g. ``"must be 6 digits, got 5"`` or ``"unknown province prefix 99 at positions 1-2"``.
    """
    digits = code.strip()
    if len(digits) != 6:
        raise CodeError(code, f"must be 6 digits, got {len(digits)}", field="division code")
    return _division(digits, code=code, field="division code")


# GB 32100: 31 characters, the digits and the capitals without I, O, S, V, Z (which are too
# easily confused with 1, 0, 5, U and 2).
USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Final = {char: value for value, char in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_USCC_FIELD: Final = "unified social credit code"
# Units set up by central authorities are registered with 100000 in positions 3-8, which is not
# a GB/T 2260 code (e.g. the public institution 12100000400000624D).
_NATIONAL_REGISTRATION: Final = "100000"

# Registration authorities (position 1) defined by GB 32100 and its amendments.
REGISTRATION_AUTHORITIES: Final = {
    "1": "organ establishment",
    "2": "foreign affairs",
    "3": "judicial administration",
    "4": "culture",
    "5": "civil affairs",
    "6": "tourism",
    "7": "religious affairs",
    "8": "trade unions",
    "9": "industry and commerce",
    "A": "Central Military Commission reform and establishment office",
    "N": "agriculture",
    "Y": "other",
}


@dataclass(frozen=True, slots=True)
class UnifiedSocialCreditCode:
    """A validated GB 32100 unified social credit code.

    Attributes
    ----------
    code : str
        The normalised 18 characters.
    authority : str
        Position 1, the registration authority (``"1"`` organ establishment, ``"5"`` civil
        affairs, ``"9"`` industry and commerce, ``"Y"`` other, ...).
    org_type : str
        Position 2, the organisation type within the authority (for authority 1: ``"1"``
        organ, ``"2"`` public institution, ``"3"`` mass organisation, ``"9"`` other).
    division_code : str
        Positions 3-8, the division of the registering office.
    org_code : str
        Positions 9-17, the organisation code (GB 11714).
    check_char : str
        Position 18.
    """

    code: str
    authority: str
    org_type: str
    division_code: str
    org_code: str
    check_char: str

    @property
    def is_government_organ(self) -> bool:
        """Whether the unit is a party or government organ (机关, prefix ``11``)."""
        return self.code.startswith("11")

    @property
    def is_public_institution(self) -> bool:
        """Whether the unit is a public institution (事业单位, prefix ``12``)."""
        return self.code.startswith("12")

    @property
    def authority_name(self) -> str | None:
        """English name of the registration authority, ``None`` if not in the standard."""
        return REGISTRATION_AUTHORITIES.get(self.authority)


def _uscc_charset_fault(text: str, code: str) -> None:
    for index, char in enumerate(text):
        if char not in _USCC_VALUES:
            raise CodeError(
                code,
                f"character {char!r} at position {index + 1} is not allowed",
                field=_USCC_FIELD,
                positions=(index + 1, index + 1),
            )


def _uscc_check_char(first17: str) -> str:
    total = sum(
        _USCC_VALUES[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def complete_uscc(first17: str) -> str:
    """Append the GB 32100 check character to 17 characters (e.g. for generated demo data).

    Raises
    ------
    CodeError
        If the input is not 17 characters of the code's character set.
    """
    body = first17.strip().upper()
    if len(body) != 17:
        raise CodeError(first17, f"must be 17 characters, got {len(body)}", field=_USCC_FIELD)
    _uscc_charset_fault(body, first17)
    return body + _uscc_check_char(body)


def check_uscc(code: str) -> UnifiedSocialCreditCode:
    """Validate a GB 32100 unified social credit code.

    Parameters
    ----------
    code : str
        18 characters; surrounding whitespace is ignored and letters are upper-cased.

    Returns
    -------
    UnifiedSocialCreditCode
        The parsed code.

    Raises
    ------
    CodeError
        On a wrong length, a character outside the set, positions 3-8 not being a division
        code, or a wrong check character (the message gives the expected one).
    """
    text = code.strip().upper()
    if len(text) != 18:
        raise CodeError(code, f"must be 18 characters, got {len(text)}", field=_USCC_FIELD)
    _uscc_charset_fault(text, code)
    if text[2:8] != _NATIONAL_REGISTRATION:
        _division(text[2:8], code=code, field=_USCC_FIELD, offset=2)
    expected = _uscc_check_char(text[:17])
    if text[17] != expected:
        raise CodeError(
            code,
            f"check character at position 18 should be {expected!r}, found {text[17]!r}",
            field=_USCC_FIELD,
            positions=(18, 18),
        )
    return UnifiedSocialCreditCode(text, text[0], text[1], text[2:8], text[8:17], text[17])


# Parcel feature code, second character (position 14), after the code table of GB/T 37346 as
# reproduced in secondary sources (the standard's text was not at hand): check on adoption.
PARCEL_TYPES: Final = {
    "A": "collective land ownership",
    "B": "construction land use right, surface",
    "S": "construction land use right, above ground",
    "X": "construction land use right, underground",
    "C": "homestead use right",
    "D": "land contract management right, cultivated land",
    "E": "land contract management right, forest land",
    "F": "land contract management right, grassland",
    "H": "sea area use right",
    "G": "uninhabited island use right",
    "W": "use right undetermined or disputed",
    "Y": "other land use right",
}
OWNERSHIP_TYPES: Final = {"G": "state", "J": "collective", "Z": "undetermined or disputed"}
FIXTURE_TYPES: Final = {"F": "building", "L": "forest or trees", "Q": "other", "W": "none"}
_REUC_FIELD: Final = "real-estate unit code"


@dataclass(frozen=True, slots=True)
class RealEstateUnitCode:
    """A validated GB/T 37346 real-estate unit code (不动产单元代码).

    Attributes
    ----------
    code : str
        The normalised 28 characters.
    county_code : str
        Positions 1-6, a county-level GB/T 2260 code.
    cadastral_zone, cadastral_subzone : str
        Positions 7-9 and 10-12.
    ownership : str
        Position 13: ``G`` state, ``J`` collective, ``Z`` undetermined or disputed.
    parcel_type : str
        Position 14, a key of :data:`PARCEL_TYPES`.
    parcel_seq : str
        Positions 15-19, the parcel sequence number.
    fixture_type : str
        Position 20: ``F`` building, ``L`` forest, ``Q`` other, ``W`` none.
    fixture_no : str
        Positions 21-28, the fixture unit number (``00000000`` when the type is ``W``).
    """

    code: str
    county_code: str
    cadastral_zone: str
    cadastral_subzone: str
    ownership: str
    parcel_type: str
    parcel_seq: str
    fixture_type: str
    fixture_no: str

    @property
    def parcel_code(self) -> str:
        """Positions 1-19, the code of the parcel (宗地代码) shared by all its units."""
        return self.code[:19]


# (first, last, name) of the all-digit segments, checked before the letter positions.
_REUC_DIGIT_SEGMENTS: Final = (
    (1, 6, "county code"),
    (7, 9, "cadastral zone"),
    (10, 12, "cadastral subzone"),
    (15, 19, "parcel sequence"),
    (21, 28, "fixture unit number"),
)
_REUC_LETTER_POSITIONS: Final = (
    (13, "ownership", OWNERSHIP_TYPES),
    (14, "parcel type", PARCEL_TYPES),
    (20, "fixture type", FIXTURE_TYPES),
)


def _reuc_characters(text: str, code: str) -> None:
    for first, last, name in _REUC_DIGIT_SEGMENTS:
        fault = _digit_fault(text[first - 1 : last], first - 1)
        if fault is not None:
            position, char = fault
            raise CodeError(
                code,
                f"character {char!r} at position {position} is not a digit "
                f"({name}, {_span(first, last)})",
                field=_REUC_FIELD,
                positions=(position, position),
            )
    for position, name, allowed in _REUC_LETTER_POSITIONS:
        char = text[position - 1]
        if char not in allowed:
            raise CodeError(
                code,
                f"character {char!r} at position {position} is not a known {name} "
                f"(expected one of {', '.join(allowed)})",
                field=_REUC_FIELD,
                positions=(position, position),
            )


def _reuc_county(text: str, code: str, division_code: str | None) -> None:
    county = _division(text[:6], code=code, field=_REUC_FIELD)
    if county.level != "county":
        raise CodeError(
            code,
            f"positions 1-6 must be a county-level division code, got {county.level}-level "
            f"{county.code}",
            field=_REUC_FIELD,
            positions=(1, 6),
        )
    if division_code is None:
        return
    division = check_division_code(division_code)
    # A record filed under a city or province must hold a county inside it; one filed
    # under a county must hold exactly that county.
    shared = {"province": 2, "city": 4, "county": 6}[division.level]
    if county.code[:shared] != division.code[:shared]:
        raise CodeError(
            code,
            f"positions 1-6 give county {county.code}, which is not within the record's "
            f"division {division.code}",
            field=_REUC_FIELD,
            positions=(1, 6),
        )


def _reuc_sequences(text: str, code: str) -> None:
    if text[14:19] == "00000":
        raise CodeError(
            code,
            "parcel sequence at positions 15-19 must be 00001-99999, got 00000",
            field=_REUC_FIELD,
            positions=(15, 19),
        )
    if text[19] == "W" and text[20:] != "00000000":
        raise CodeError(
            code,
            f"positions 21-28 must be 00000000 when the fixture type at position 20 is W "
            f"(none), got {text[20:]}",
            field=_REUC_FIELD,
            positions=(21, 28),
        )


def parse_real_estate_unit_code(code: str, division_code: str | None = None) -> RealEstateUnitCode:
    """Validate and split a GB/T 37346 real-estate unit code.

    Parameters
    ----------
    code : str
        28 characters; surrounding whitespace is ignored and letters are upper-cased.
    division_code : str, optional
        The division the record is filed under. Positions 1-6 must equal it (county) or lie
        within it (city or province).

    Returns
    -------
    RealEstateUnitCode
        The parsed code.

    Raises
    ------
    CodeError
        Naming the positions at fault: wrong length, non-digits in numeric segments, unknown
        letters at positions 13, 14 or 20, a county code that is not county-level or does not
        match ``division_code``, parcel sequence 00000, or a non-zero fixture number for
        fixture type ``W``.
    """
    text = code.strip().upper()
    if len(text) != 28:
        raise CodeError(code, f"must be 28 characters, got {len(text)}", field=_REUC_FIELD)
    _reuc_characters(text, code)
    _reuc_county(text, code, division_code)
    _reuc_sequences(text, code)
    return RealEstateUnitCode(
        code=text,
        county_code=text[:6],
        cadastral_zone=text[6:9],
        cadastral_subzone=text[9:12],
        ownership=text[12],
        parcel_type=text[13],
        parcel_seq=text[14:19],
        fixture_type=text[19],
        fixture_no=text[20:],
    )
