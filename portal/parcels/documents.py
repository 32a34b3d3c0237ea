"""Source documents of title cases: what an upload must be before it is stored.

The checks are the portal's shared ones (:mod:`portal.core.files`): a scan or PDF is judged by
its bytes, never by the name or the browser's content type, and the name's extension must agree
with what the bytes are, so a file is served later under a type that matches its content.
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.core import files
from portal.core.files import CheckedFile, UploadRejectedError
from portal.parcels.exceptions import DocumentRejectedError
from portal.parcels.models import SourceDocument

__all__ = ["ACCEPTED_EXTENSIONS", "CheckedFile", "accepted", "check_upload", "sniff"]

KINDS: Final = (files.PDF, files.JPEG, files.PNG, files.TIFF)
ACCEPTED_EXTENSIONS: Final = tuple(sorted({ext for kind in KINDS for ext in kind.extensions}))


def accepted() -> files.Accepted:
    """What a source document may be; the size limit is read at call time."""
    return files.Accepted(
        field=capfirst(SourceDocument._meta.verbose_name),
        kinds=KINDS,
        expected=_("a PDF, JPEG, PNG or TIFF file"),
        max_mb=int(settings.TIANFU_TITLE_DOCUMENT_MAX_MB),
    )


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse an empty, oversized, mistyped or active file; otherwise say what it is."""
    try:
        return files.check_upload(upload, accepted())
    except UploadRejectedError as exc:
        raise DocumentRejectedError(exc.user_message) from None


def sniff(head: bytes, name: str) -> str:
    """The content type ``head`` shows, when ``name``'s extension agrees with it."""
    return check_upload(SimpleUploadedFile(name, head)).content_type
