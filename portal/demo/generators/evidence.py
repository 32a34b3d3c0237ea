"""The papers of the demo cases, and the three reconciliations of the verified ones.

Every case that got past "not started" has one stored PDF (the workflow wants a document before
"collected"); for a verified case it is also the evidence of its three checks. The demo needs a
real file behind each (downloads, type sniffing, checksums), not thousands of distinct papers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.demo.data import titles as data
from portal.demo.generators.copying import copy_rows
from portal.org.models import User
from portal.parcels.choices import DocumentKind, ReconciliationKind, ReconciliationResult
from portal.parcels.documents import check_upload
from portal.parcels.models import Reconciliation, SourceDocument, TitleCase

PDF_TEXT = "Synthetic demo document"
EVIDENCE_COLUMNS = ("reconciliation_id", "sourcedocument_id")


def _pdf_text(text: str) -> str:
    """A PDF literal string: backslashes and parentheses escaped (the text is ASCII)."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def synthetic_pdf(label: str) -> bytes:
    """A one-page A4 PDF saying "Synthetic demo document" and ``label`` (ASCII), with its xref.

    Written by hand rather than with a PDF library: five objects are all a valid file needs,
    and the bytes depend only on ``label``, so a reload stores identical files.
    """
    lines = f"BT /F1 16 Tf 72 760 Td ({PDF_TEXT}) Tj 0 -24 Td /F1 11 Tf ({_pdf_text(label)}) Tj ET"
    stream = lines.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@dataclass(frozen=True)
class Paper:
    """A case's document: who filed it and when, the label it prints, whether checks cite it."""

    case: TitleCase
    by: User
    on: date
    label: str
    checked: bool


def _document(item: Paper) -> SourceDocument:
    """Check and store the case's PDF as an upload would be, and describe it."""
    upload = SimpleUploadedFile(data.DOCUMENT_NAME, synthetic_pdf(item.label))
    checked = check_upload(upload)
    document = SourceDocument(
        case=item.case,
        kind=DocumentKind.LEDGER,
        title=data.DOCUMENT_TITLE,
        document_date=item.on,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        uploaded_by=item.by,
    )
    document.file.save(checked.original_name, upload, save=False)
    return document


def write_evidence(papers: Sequence[Paper], history: Any = None) -> int:
    """Each case's document, and for checked cases three consistent checks citing it.

    ``history`` is the load's pghistory context, for the evidence links written with COPY.
    """
    documents = SourceDocument.objects.bulk_create(_document(item) for item in papers)
    checked = [(item, doc) for item, doc in zip(papers, documents, strict=True) if item.checked]
    checks = Reconciliation.objects.bulk_create(
        Reconciliation(
            case=item.case,
            kind=kind,
            result=ReconciliationResult.CONSISTENT,
            note=data.RECONCILIATION_NOTES[kind],
            recorded_by=item.by,
        )
        for item, _doc in checked
        for kind in ReconciliationKind.values
    )
    per_case = len(ReconciliationKind.values)
    links = [
        [str(check.pk) for check in checks],
        [str(checked[i // per_case][1].pk) for i in range(len(checks))],
    ]
    through = Reconciliation.evidence.through._meta.db_table
    linked = copy_rows(through, EVIDENCE_COLUMNS, links, history=history) if checks else 0
    return len(documents) + len(checks) + linked
