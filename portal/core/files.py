"""Uploaded and stored files: what an upload must be before it is kept, and how it is served.

Every channel that takes a file (title-case documents, listing photos, stock-movement scans,
imports) judges it here by the same rules: not empty, within its size limit, and of an accepted
kind judged by its first bytes, never by the name or the browser's content type (both are
whatever the sender says). The name's extension must agree with the bytes, so a file is later
served under a type that matches its content. Files are then stored under ``MEDIA_ROOT`` by
content hash, and read back only through views that check the reader's scope and answer with
:func:`serve_upload`: an attachment (or an image shown inline), never sniffed, under a type
from this module's list.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any, Final

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal.core.exceptions import PortalError
from portal.core.pdfscan import (
    CHUNK,
    PDF_INFLATE_LIMIT,
    PdfObjectStreamError,
    PdfTooComplexError,
    scan_pdf,
)

HEAD_BYTES: Final = 4096
# Browsers decide a response is HTML from its first few hundred bytes; a file we keep must not
# read as a page or a script there, whatever its signature says (a "polyglot").
MARKUP_WINDOW: Final = 1024
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed)[\s>/]", re.IGNORECASE
)
# A KML document's root element, after an XML declaration and comments. Descriptions inside may
# hold HTML (balloons): that is KML's own business, and an import is never served back.
_KML_ROOT = re.compile(rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:\w+:)?kml[\s>]", re.I | re.S)


class UploadRejectedError(PortalError):
    """An upload is empty, too large, or not what it claims to be.

    ``user_message`` names the field ("Photo: …"); ``reason`` is the same without it, for a
    form that shows the error next to its field already.
    """

    def __init__(self, field: str | Promise, reason: str) -> None:
        self.field = str(field)
        self.reason = reason
        super().__init__(_("%(field)s: %(problem)s") % {"field": self.field, "problem": reason})


@dataclass(frozen=True)
class Kind:
    """A file format we accept somewhere: how its bytes start and the names it may carry."""

    name: str
    content_type: str
    extensions: tuple[str, ...]
    signatures: tuple[bytes, ...] = ()

    @property
    def extension(self) -> str:
        """The extension a stored copy gets, with its dot."""
        return f".{self.extensions[0]}"


PDF: Final = Kind("PDF", "application/pdf", ("pdf",), (b"%PDF-",))
JPEG: Final = Kind("JPEG", "image/jpeg", ("jpg", "jpeg"), (b"\xff\xd8\xff",))
PNG: Final = Kind("PNG", "image/png", ("png",), (b"\x89PNG\r\n\x1a\n",))
TIFF: Final = Kind("TIFF", "image/tiff", ("tif", "tiff"), (b"II*\x00", b"MM\x00*"))
GEOPACKAGE: Final = Kind(
    "GeoPackage", "application/geopackage+sqlite3", ("gpkg",), (b"SQLite format 3\x00",)
)
ZIP: Final = Kind("ZIP", "application/zip", ("zip",), (b"PK\x03\x04",))
XLSX: Final = Kind(
    "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx", "xlsm"),
    (b"PK\x03\x04",),
)
# Text formats have no signature: their extension names them and their first character must fit.
GEOJSON: Final = Kind("GeoJSON", "application/geo+json", ("geojson", "json"))
KML: Final = Kind("KML", "application/vnd.google-earth.kml+xml", ("kml",))
CSV: Final = Kind("CSV", "text/csv", ("csv", "txt", "tsv"))
KINDS: Final = (PDF, JPEG, PNG, TIFF, GEOPACKAGE, ZIP, XLSX, GEOJSON, KML, CSV)
# The only types a stored upload is ever served as; anything else goes out as bytes.
SERVED_TYPES: Final = frozenset(kind.content_type for kind in KINDS)
# Raster images browsers only draw: the only types served inline, in the page.
INLINE_TYPES: Final = frozenset({JPEG.content_type, PNG.content_type})


@dataclass(frozen=True)
class Accepted:
    """What one field takes: its kinds, how they are named to the user, and the size limit."""

    field: str | Promise
    kinds: tuple[Kind, ...]
    expected: str | Promise  # "a JPEG or PNG image": completes "… is not %(expected)s"
    max_mb: int | None = None


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with what is stored about it."""

    original_name: str
    content_type: str
    size_bytes: int
    sha256: str
    extension: str  # the kind's own, with its dot: the stored copy's name never comes from the user


def sha256_of(stream: IO[bytes]) -> str:
    """The SHA-256 of the whole stream, read in chunks from its start; left rewound."""
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def check_upload(upload: Any, accepted: Accepted) -> CheckedFile:
    """Refuse an empty, oversized, mistyped or active file; otherwise say what it is."""
    kind = inspect_upload(upload, accepted)
    name = PurePath(upload.name or "").name
    return CheckedFile(name, kind.content_type, upload.size, sha256_of(upload), kind.extension)


def inspect_upload(upload: Any, accepted: Accepted) -> Kind:
    """The kind ``upload`` is, after every check but the hash; raise UploadRejectedError."""
    name = PurePath(upload.name or "").name
    refuse = _refuser(accepted.field, name)
    size = upload.size or 0
    if size == 0:
        raise refuse(_("The file “%(name)s” is empty."))
    if accepted.max_mb is not None and size > accepted.max_mb * 1024 * 1024:
        raise refuse(_("The file “%(name)s” is larger than %(limit)d MB."), limit=accepted.max_mb)
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = _identify(head, name, accepted, refuse)
    if not STRUCTURE[kind](upload, head):
        raise refuse(
            _("The file “%(name)s” is not a complete %(type)s file; it may be damaged."),
            type=kind.name,
        )
    _refuse_active_content(upload, head, kind, refuse)
    upload.seek(0)
    return kind


Refuse = Callable[..., UploadRejectedError]


def _refuser(field: str | Promise, name: str) -> Refuse:
    def refuse(message: str, **params: object) -> UploadRejectedError:
        return UploadRejectedError(field, message % {"name": name, **params})

    return refuse


def _identify(head: bytes, name: str, accepted: Accepted, refuse: Refuse) -> Kind:
    """The accepted kind the bytes show, when the name's extension agrees with it."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    by_bytes = [k for k in accepted.kinds if k.signatures and head.startswith(k.signatures)]
    if by_bytes:
        for kind in by_bytes:
            if extension in kind.extensions:
                return kind
        raise refuse(
            _(
                "The file “%(name)s” is a %(type)s file but its name ends in “.%(ext)s”; "
                "name it .%(expected)s."
            ),
            type=by_bytes[0].content_type,
            ext=extension,
            expected=by_bytes[0].extensions[0],
        )
    for kind in accepted.kinds:
        if not kind.signatures and extension in kind.extensions and _text_fits(kind, head):
            return kind
    raise refuse(
        _("The file “%(name)s” is not %(expected)s (judged by its content)."),
        expected=accepted.expected,
    )


def _leading_text(head: bytes) -> bytes | None:
    """The head without byte-order mark and leading blanks, in an ASCII-compatible encoding;
    None when it is binary."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = head.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in head:
        return None
    return head.lstrip()


def _text_fits(kind: Kind, head: bytes) -> bool:
    """Whether a text file starts as ``kind`` does: an HTML or SVG page renamed .csv does not."""
    text = _leading_text(head)
    if text is None:
        return False
    if kind is GEOJSON:
        return text.startswith(b"{")
    if kind is KML:
        return _KML_ROOT.match(text) is not None
    return not text.startswith(b"<")


def _zip_names(upload: Any) -> set[str] | None:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    finally:
        upload.seek(0)


def _xlsx_complete(upload: Any, head: bytes) -> bool:
    names = _zip_names(upload)
    return names is not None and {"[Content_Types].xml", "xl/workbook.xml"} <= names


# Past the signature: the part of each format a truncated or forged file lacks.
STRUCTURE: Final[dict[Kind, Callable[[Any, bytes], bool]]] = {
    PDF: lambda upload, head: re.match(rb"%PDF-[12]\.\d", head) is not None,
    JPEG: lambda upload, head: len(head) > 3,
    PNG: lambda upload, head: head[8:16] == b"\x00\x00\x00\rIHDR",
    TIFF: lambda upload, head: len(head) >= 8,
    # GeoPackage writes its application id into the SQLite header (GP10/GP11 before 1.2).
    GEOPACKAGE: lambda upload, head: head[68:72] in (b"GPKG", b"GP10", b"GP11"),
    ZIP: lambda upload, head: _zip_names(upload) is not None,
    XLSX: _xlsx_complete,
    GEOJSON: lambda upload, head: True,
    KML: lambda upload, head: True,
    CSV: lambda upload, head: True,
}


def _refuse_active_content(upload: Any, head: bytes, kind: Kind, refuse: Refuse) -> None:
    """Refuse page markup early in a binary file, and a PDF that acts on its own when opened."""
    if kind.signatures and _MARKUP.search(head[:MARKUP_WINDOW]):
        raise refuse(
            _("The file “%(name)s” holds web page or script markup and was refused."),
        )
    if kind is not PDF:
        return
    try:
        feature = scan_pdf(upload)
    except PdfTooComplexError:
        raise refuse(
            _(
                "The PDF “%(name)s” is too complex to check (more than %(limit)d MB once "
                "decompressed) and was refused; print it to a new PDF or scan the paper."
            ),
            limit=PDF_INFLATE_LIMIT // (1024 * 1024),
        ) from None
    except PdfObjectStreamError:
        raise refuse(
            _(
                "The PDF “%(name)s” is too complex to check (an object stream compressed in a "
                "way this check does not read) and was refused; print it to a new PDF or scan "
                "the paper."
            ),
        ) from None
    if feature is not None:
        raise refuse(
            _(
                "The PDF “%(name)s” contains active content (%(feature)s) and was refused; print "
                "it to a new PDF or scan the paper."
            ),
            feature=_PDF_FEATURE_LABELS[feature](),
        )


# Translated when a refusal is raised, in the language active then.
_PDF_FEATURE_LABELS: Final[dict[str, Callable[[], str]]] = {
    "script": lambda: _("a script (JavaScript)"),
    "launch": lambda: _("a launch action that starts a program"),
    "additional actions": lambda: _("additional actions (/AA) run on events"),
    "embedded file": lambda: _("an embedded file"),
    "form submission": lambda: _("a form submission action"),
    "rich media": lambda: _("rich media (Flash or video)"),
    "XFA form": lambda: _("an XFA form"),
}


def serve_upload(
    stored: FieldFile, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """A stored upload as a download: never sniffed, under a type from :data:`SERVED_TYPES`
    (anything else as bytes), with a policy that runs nothing if a browser opens it anyway.

    ``inline`` shows an image in the page instead (an ``<img>`` of a listing photo is not an
    export); it holds only for the types in :data:`INLINE_TYPES`, anything else is still an
    attachment. Raises FileNotFoundError when the file is gone."""
    served_type = content_type if content_type in SERVED_TYPES else "application/octet-stream"
    response = FileResponse(
        stored.open("rb"),
        as_attachment=not (inline and served_type in INLINE_TYPES),
        filename=filename,
        content_type=served_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
