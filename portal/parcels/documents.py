"""Source documents of title cases: what an upload must be before it is stored.

A scan or PDF is judged by its first bytes, never by the name or the browser's content type
(both are whatever the sender says), and the name's extension must agree with what the bytes
are, so a file is served later under a type that matches its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from portal.core.files import sha256_of
from portal.parcels.exceptions import DocumentRejectedError

# Signature → (content type, the extensions that may carry it).
SIGNATURES: Final = (
    (b"%PDF-", "application/pdf", ("pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", ("jpg", "jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", ("png",)),
    (b"II*\x00", "image/tiff", ("tif", "tiff")),
    (b"MM\x00*", "image/tiff", ("tif", "tiff")),
)
ACCEPTED_EXTENSIONS: Final = tuple(sorted({ext for *_, exts in SIGNATURES for ext in exts}))
HEAD_BYTES: Final = max(len(signature) for signature, *_ in SIGNATURES)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with what is stored about it."""

    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


def max_bytes() -> int:
    """The size limit, read at call time so a changed setting applies at once."""
    return int(settings.TIANFU_TITLE_DOCUMENT_MAX_MB) * 1024 * 1024


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse an empty, oversized or mistyped file; otherwise say what it is."""
    name = PurePath(upload.name or "").name
    size = upload.size or 0
    if size == 0:
        raise DocumentRejectedError(_("The file “%(name)s” is empty.") % {"name": name})
    if size > max_bytes():
        limit = settings.TIANFU_TITLE_DOCUMENT_MAX_MB
        raise DocumentRejectedError(
            _("The file “%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": limit}
        )
    upload.seek(0)
    content_type = sniff(upload.read(HEAD_BYTES), name)
    return CheckedFile(name, content_type, size, sha256_of(upload))


def sniff(head: bytes, name: str) -> str:
    """The content type ``head`` shows, when ``name``'s extension agrees with it."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    for signature, content_type, extensions in SIGNATURES:
        if head.startswith(signature):
            if extension not in extensions:
                raise DocumentRejectedError(
                    _(
                        "The file “%(name)s” is a %(type)s file but its name ends in "
                        "“.%(ext)s”; name it .%(expected)s."
                    )
                    % {
                        "name": name,
                        "type": content_type,
                        "ext": extension,
                        "expected": extensions[0],
                    }
                )
            return content_type
    raise DocumentRejectedError(
        _("The file “%(name)s” is not a PDF, JPEG, PNG or TIFF file (judged by its content).")
        % {"name": name}
    )
