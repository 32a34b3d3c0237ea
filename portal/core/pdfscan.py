"""The active-content check of uploaded PDFs: names of features that act on their own when a file
is opened (scripts, launched programs, event actions, embedded files, form submission, rich media,
XFA), looked for in the file's syntax and in every FlateDecode stream, inflated within a budget.

:func:`scan_pdf` reads an upload once, in chunks, and says which feature it found, if any; it
raises :class:`PdfTooComplexError` or :class:`PdfObjectStreamError` when the file cannot be
checked. portal.core.files turns each answer into a refusal naming the upload's field.
"""

from __future__ import annotations

import re
import zlib
from typing import Any, Final

# Reads of an upload: large enough to be quick, small enough never to hold a big file in memory.
CHUNK: Final = 1 << 20
# PDF names of features that act on their own when the file is opened or used: scripts, launched
# programs, actions run on events (/AA), files carried inside, form submission, Flash or video
# players and XFA forms. Each maps to how the refusal names it.
_PDF_ACTIVE: Final[dict[bytes, str]] = {
    b"JavaScript": "script",
    b"JS": "script",
    b"Launch": "launch",
    b"AA": "additional actions",
    b"EmbeddedFile": "embedded file",
    b"EmbeddedFiles": "embedded file",
    b"SubmitForm": "form submission",
    b"RichMedia": "rich media",
    b"XFA": "XFA form",
}
# PDF whitespace is NUL, tab, LF, FF, CR and space; a name ends at whitespace or a delimiter.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /<>\[\]()%{}]{1,127})")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Where stream data starts (the keyword and its end of line: CR LF, LF, or a lone CR readers
# take) and where it ends.
_PDF_KEYWORD = re.compile(rb"endstream|stream[\r\n]")
_PDF_WHITESPACE: Final = b"\x00\t\n\x0c\r "
# In a stream's dictionary: dictionary brackets, and hex strings, which may end in ">>>".
_PDF_DICT_TOKEN = re.compile(rb"<<|>>|<[0-9A-Fa-f\x00\t\n\x0c\r ]*>")
_W = rb"[\x00\t\n\x0c\r ]"
_N = rb"/[^\x00\t\n\x0c\r /<>\[\]()%{}]*"
# One entry of a dictionary whose nested dictionaries and hex strings are cut to "<<>>" and "<>":
# a key, and a flat array, an indirect reference, a name, a placeholder or a plain atom.
_PDF_ENTRY_TEXT = (
    _W
    + rb"*("
    + _N
    + rb")"
    + _W
    + rb"*(\[[^\[\]()<>]*\]|\d+"
    + _W
    + rb"+\d+"
    + _W
    + rb"+R\b|"
    + _N
    + rb"|<<>>|<>|[^\x00\t\n\x0c\r /<>\[\]()%{}]+)"
)
_PDF_ENTRY = re.compile(_PDF_ENTRY_TEXT)
_PDF_DICT = re.compile(rb"<<(?:" + _PDF_ENTRY_TEXT + rb")*" + _W + rb"*>>")
# Bytes kept before each window to find the dictionary of a stream whose keyword starts it.
_PDF_LOOKBACK: Final = 4096
# A name (at most 127 bytes and its slash) or a stream keyword that touches a window's end is read
# again from the carried tail of that window.
_PDF_CARRY: Final = 256
# Inflated stream bytes checked per PDF before it is refused as too complex (a "zip bomb").
PDF_INFLATE_LIMIT: Final = 50 * 1024 * 1024
# Streams being inflated at once: one in a sane file; more means stream keywords hidden in streams.
_PDF_MAX_OPEN_STREAMS: Final = 8


class PdfTooComplexError(Exception):
    """A PDF whose streams inflate past :data:`PDF_INFLATE_LIMIT`, or nest stream after stream."""


class PdfObjectStreamError(Exception):
    """A PDF with an object stream under a filter this check does not decode (not FlateDecode)."""


class _NameScanner:
    """Finds an active name in bytes fed window by window, names split across windows included.

    Names may hide letters as #xx escapes (/J#61vaScript), undone before comparing. A name
    touching a window's end is left to the next window, which starts with this one's tail.
    """

    def __init__(self) -> None:
        self.carry = b""

    def feed(self, data: bytes, *, last: bool) -> str | None:
        window = self.carry + data
        for match in _PDF_NAME.finditer(window):
            if not last and match.end() >= len(window) - 1:
                break
            name = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), match[1])
            if name in _PDF_ACTIVE:
                return _PDF_ACTIVE[name]
        self.carry = window[-_PDF_CARRY:]
        return None


class _Inflater:
    """One stream's data inflated as zlib (FlateDecode) as it arrives, its text scanned for names.

    Data that is not zlib (images, other filters) fails at its header and is dropped at once.
    The end of line after the keyword may arrive with the data: no zlib header starts with CR or
    LF, so they are skipped before the first byte.
    """

    def __init__(self, scan: _PdfScan) -> None:
        self.zlib = zlib.decompressobj()
        self.names = _NameScanner()
        self.scan = scan
        self.started = False
        self.done = False

    def feed(self, data: bytes) -> str | None:
        if not self.started:
            data = data.lstrip(b"\r\n")
            self.started = bool(data)
        while data and not self.done:
            try:
                out = self.zlib.decompress(data, min(CHUNK, self.scan.budget + 1))
            except zlib.error:
                self.done = True
                return self.names.feed(b"", last=True)
            self.scan.budget -= len(out)
            if self.scan.budget < 0:
                raise PdfTooComplexError
            self.done = self.zlib.eof
            if found := self.names.feed(out, last=self.done):
                return found
            data = self.zlib.unconsumed_tail
        return None

    def finish(self) -> str | None:
        """At the end of the file: what a cut-off stream still holds, its last name included."""
        if self.done:
            return None
        out = self.zlib.flush()
        self.scan.budget -= len(out)
        if self.scan.budget < 0:
            raise PdfTooComplexError
        return self.names.feed(out, last=True)


class _PdfScan:
    """A PDF read once from its start, scanned for active names: its raw bytes outside stream
    data, the data of unfiltered streams (PDF syntax or text, such as an unfiltered object
    stream), and every zlib (FlateDecode) stream inflated.

    The data of a stream with any other /Filter (a scan's DCT or JPX image, CCITT, JBIG2,
    ASCII85, hex, LZW, run-length) is not read as raw bytes: random image bytes hold "/AA " or
    "/JS(" often enough that a 10 MB scan would be refused one time in ten or twenty, and the
    title-document workflow is mostly scans. Those filters are not decoded either, so an object
    stream under one of them, which could hide dictionaries, is refused as too complex. The risk
    accepted is an object a crafted cross-reference table places inside a filtered stream's
    bytes: no reader parses stream data as objects unless an xref points into it.

    A stream's dictionary is the outermost one that ends just before its keyword, found in the
    bytes kept from before the keyword; a dictionary not read with certainty (strings, comments,
    nesting we do not follow, a filter given by reference) counts as no filter, so its stream's
    data is scanned: doubt costs a refusal, never a miss."""

    def __init__(self) -> None:
        self.raw = _NameScanner()
        self.budget = PDF_INFLATE_LIMIT
        self.open: list[_Inflater] = []
        self.tail = b""  # the end of the previous window: keywords split by a read, dictionaries
        self.in_filtered = False  # in the data of a filtered stream, not scanned raw

    def run(self, upload: Any) -> str | None:
        upload.seek(0)
        try:
            while True:
                chunk = upload.read(CHUNK)
                if found := self._window(chunk):
                    return found
                if not chunk:
                    found = self.raw.feed(b"", last=True)
                    ends = (inflater.finish() for inflater in self.open)
                    return found or next(filter(None, ends), None)
        finally:
            upload.seek(0)

    def _window(self, chunk: bytes) -> str | None:
        """Scan ``chunk``, opening an inflater at each stream keyword in it and skipping raw
        scanning between the keyword of a filtered stream and the next ``endstream``."""
        window = self.tail + chunk
        cut = len(self.tail)
        for match in _PDF_KEYWORD.finditer(window):
            if match.end() <= cut:
                continue  # seen with the previous window
            if found := self._feed(window[cut : match.end()]):
                return found
            cut = match.end()
            if match[0] == b"endstream":
                self.in_filtered = False
                continue
            if not self.in_filtered:
                before = window[max(0, match.start() - _PDF_LOOKBACK) : match.start()]
                self.in_filtered = _stream_filtered(before)
            self.open.append(_Inflater(self))
            if len(self.open) > _PDF_MAX_OPEN_STREAMS:
                raise PdfTooComplexError
        self.tail = window[-_PDF_LOOKBACK:]
        return self._feed(window[cut:])

    def _feed(self, data: bytes) -> str | None:
        if not self.in_filtered and (found := self.raw.feed(data, last=False)):
            return found
        for inflater in self.open:
            if found := inflater.feed(data):
                return found
        self.open = [inflater for inflater in self.open if not inflater.done]
        return None


def _stream_dict(before: bytes) -> bytes | None:
    """The outermost dictionary ending right before a stream keyword, from the bytes before it."""
    text = before.rstrip(_PDF_WHITESPACE)
    tokens = list(_PDF_DICT_TOKEN.finditer(text))
    if not tokens or tokens[-1][0] != b">>" or tokens[-1].end() != len(text):
        return None
    depth = 0
    for token in reversed(tokens):
        depth += {b">>": 1, b"<<": -1}.get(token[0], 0)
        if depth == 0:
            return text[token.start() :]
    return None


def _top_level(entries: bytes) -> bytes:
    """A dictionary with its nested dictionaries and hex strings cut to "<<>>" and "<>"."""
    parts, depth, kept = [], 0, 0
    for token in _PDF_DICT_TOKEN.finditer(entries):
        if token[0] == b">>":
            depth -= 1
            if depth == 1:
                parts.append(b"<<>>")
                kept = token.end()
        elif token[0] == b"<<":
            depth += 1
            if depth == 2:
                parts.append(entries[kept : token.start()])
        elif depth == 1:
            parts.append(entries[kept : token.start()] + b"<>")
            kept = token.end()
    parts.append(entries[kept:])
    return b"".join(parts)


def _names(value: bytes) -> list[bytes]:
    return [
        _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), m[1])
        for m in _PDF_NAME.finditer(value)
    ]


def _stream_filtered(before: bytes) -> bool:
    """Whether the stream whose keyword follows ``before`` certainly has a /Filter; raise
    PdfObjectStreamError for an object stream under a filter other than FlateDecode."""
    found = _stream_dict(before)
    if found is None or any(c in found for c in b"()%"):
        return False
    top = _top_level(found)
    if not _PDF_DICT.fullmatch(top):
        return False
    entries: dict[bytes, bytes] = {}
    for key, value in _PDF_ENTRY.findall(top[2:-2]):
        entries.setdefault(_names(key)[0], value)
    filters = _names(entries.get(b"Filter", b""))
    if not filters:
        return False
    if (b"ObjStm" in _names(entries.get(b"Type", b"")) or b"First" in entries) and any(
        name != b"FlateDecode" for name in filters
    ):
        raise PdfObjectStreamError
    return True


def scan_pdf(upload: Any) -> str | None:
    """The first active feature found in the PDF ``upload`` (a key of the refusal labels), or
    None; the upload is left rewound."""
    return _PdfScan().run(upload)
