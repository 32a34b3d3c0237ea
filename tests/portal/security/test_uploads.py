"""Uploads: every channel judges a file by its bytes and its name together, refuses a page or
script in disguise and a file over its limit, keeps what it accepts under MEDIA_ROOT by hash, and
gives it back only as a never-sniffed attachment; no URL serves MEDIA_URL."""

from __future__ import annotations

import io
import random
import sqlite3
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from portal.assets.exceptions import PhotoRejectedError
from portal.assets.models import ListingPhoto
from portal.assets.services.listings import add_photo
from portal.audits.choices import AuditAction
from portal.audits.models import AuditEvent
from portal.core import files
from portal.depots.models import StockMovement
from portal.depots.services.stock import StockInputError, issue_stock
from portal.exchange.forms import IMPORT_FILES
from portal.exchange.models import ImportJob
from portal.org.choices import Role
from portal.parcels import documents, services
from portal.parcels.exceptions import DocumentRejectedError
from portal.parcels.models import SourceDocument
from tests.factories import StockItemFactory, UnitFactory, UserFactory
from tests.portal.assets.listing_data import warehouse
from tests.portal.titles.case_data import campaign

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
SCRIPT = b"alert(document.cookie);\n"
CSV = "名称,编号\n办公桌,ZC-1\n".encode()
GEOJSON = b'{"type": "FeatureCollection", "features": []}'
KML = b'<?xml version="1.0"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>'


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's type is whatever the sender says: it is never believed.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def xlsx_bytes() -> bytes:
    book, out = Workbook(), io.BytesIO()
    book.active.append(["名称", "编号"])
    book.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def sqlite_bytes(tmp_path: Path, application_id: int | None) -> bytes:
    path = tmp_path / "layer.sqlite"
    db = sqlite3.connect(path)
    if application_id is not None:
        db.execute(f"PRAGMA application_id = {application_id}")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    return path.read_bytes()


GPKG_ID = int.from_bytes(b"GPKG", "big")


# -- the shared check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("scan.pdf", HTML, "is not a PDF, JPEG, PNG or TIFF file"),  # a page renamed .pdf
        ("scan.png", SVG, "is not a PDF, JPEG, PNG or TIFF file"),  # an SVG renamed .png
        ("scan.pdf", SCRIPT, "is not a PDF, JPEG, PNG or TIFF file"),
        ("scan.pdf", PDF[:9] + HTML, "web page or script markup"),  # a PDF/HTML polyglot
        ("scan.png", PNG + b"tEXt<script>alert(1)</script>", "web page or script markup"),
        ("scan.pdf", b"%PDF-x" + PDF[8:], "not a complete PDF file"),
        ("scan.png", PNG[:8] + bytes(20), "not a complete PNG file"),
        ("scan.pdf", PDF + b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "script"),
        ("scan.pdf", PDF + b"<< /A << /S /J#61vaScript >> >>", "script"),  # an escaped name
        ("scan.pdf", PDF + b"<< /A << /S /Launch /F (cmd.exe) >> >>", "launch"),
        ("scan.html", HTML, "is not a PDF, JPEG, PNG or TIFF file"),
        ("scan.svg", SVG, "is not a PDF, JPEG, PNG or TIFF file"),
    ],
)
def test_a_page_or_script_in_disguise_is_refused(name, content, says):
    with pytest.raises(files.UploadRejectedError) as refused:
        files.check_upload(upload(name, content), documents.accepted())
    assert refused.value.user_message.startswith("Source document: ")
    assert says in refused.value.user_message
    assert name in refused.value.user_message


def test_a_name_split_across_two_reads_is_still_found(monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 16)
    for pad in range(16):  # every position of the name against the read boundary
        content = PDF + b" " * pad + b"<< /S /JavaScript >>"
        with pytest.raises(files.UploadRejectedError, match="script"):
            files.check_upload(upload("a.pdf", content), documents.accepted())
    assert files.check_upload(upload("a.pdf", PDF + b"/JSFont /Launcher"), documents.accepted())


def pdf_with(*objects: bytes) -> bytes:
    return b"%PDF-1.7\n" + b"".join(objects) + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def flate_object(number: int, data: bytes, entries: bytes = b"") -> bytes:
    packed = zlib.compress(data)
    head = b"%d 0 obj << /Filter /FlateDecode /Length %d %s >>\nstream\n"
    return head % (number, len(packed), entries) + packed + b"\nendstream\nendobj\n"


CATALOG = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
PAGES = b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
PAGE = b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
TEXT = b"BT /F1 12 Tf 72 712 Td (Land title survey) Tj ET\n" * 40
SCRIPT_OBJECT = b"6 0 << /S /JavaScript /JS (app.alert(1)) >>"
# The object stream that hides a script from a reader of the raw bytes: /ObjStm, compressed.
HIDDEN_SCRIPT = pdf_with(CATALOG, flate_object(5, SCRIPT_OBJECT, b"/Type /ObjStm /N 1 /First 4"))


def nested_streams(depth: int) -> bytes:
    """Stream keywords inside stream data, each inflater kept open by an unfinished stored block."""
    inner = b"filler"
    for _level in range(depth):
        size = len(inner).to_bytes(2, "little")
        unsize = (~len(inner) & 0xFFFF).to_bytes(2, "little")
        inner = b"stream\n\x78\x01\x00" + size + unsize + inner
    return pdf_with(CATALOG, b"5 0 obj << /Length 9 >>\n" + inner)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (HIDDEN_SCRIPT, "active content (a script (JavaScript))"),
        (PDF + b"<< /S /JavaScript\x00/JS\x00(app.alert(1)) >>", "a script (JavaScript)"),
        (PDF + b"<< /S\x00/JavaScript\x00>>", "a script (JavaScript)"),  # NUL is PDF whitespace
        (PDF + b"<< /S /Java#53cript /JS (1) >>", "a script (JavaScript)"),
        (PDF + b"<< /S\x0c/Launch\x0c/F (cmd.exe) >>", "a launch action"),
        (PDF + b"3 0 obj << /Type /Page /AA << /O 7 0 R >> >> endobj", "additional actions"),
        (PDF + b"<< /Type /EmbeddedFile /Length 3 >>", "an embedded file"),
        (PDF + b"<< /Names << /EmbeddedFiles 8 0 R >> >>", "an embedded file"),
        (PDF + b"<< /S /SubmitForm /F (https://example.com) >>", "a form submission action"),
        (PDF + b"<< /Subtype /RichMedia >>", "rich media"),
        (PDF + b"<< /AcroForm << /XFA 9 0 R >> >>", "an XFA form"),
        (pdf_with(CATALOG, flate_object(5, b"<< /S /Sub#6DitForm >>")), "a form submission"),
        # A stream cut off at the end of the file, its last name touching the end.
        (PDF + b"5 0 obj << /Length 99 >>\nstream\n" + zlib.compress(b"<< /S /JS")[:-4], "script"),
    ],
)
def test_a_pdf_that_acts_on_its_own_is_refused_naming_the_field_and_the_feature(content, says):
    with pytest.raises(files.UploadRejectedError) as refused:
        files.check_upload(upload("deed.pdf", content), documents.accepted())
    message = refused.value.user_message
    assert message.startswith("Source document: The PDF “deed.pdf” contains active content (")
    assert says in message


def test_a_script_in_a_compressed_stream_is_found_whatever_the_reads(monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 16)
    for pad in range(16):  # the stream keyword and the name at every position against a read
        content = pdf_with(b" " * pad, CATALOG, flate_object(5, b" " * pad + SCRIPT_OBJECT))
        with pytest.raises(files.UploadRejectedError, match="JavaScript"):
            files.check_upload(upload("a.pdf", content), documents.accepted())


def test_a_pdf_inflating_past_the_limit_is_refused_as_too_complex():
    bomb = pdf_with(CATALOG, flate_object(5, bytes(files.PDF_INFLATE_LIMIT + 1)))
    assert len(bomb) < 1024 * 1024  # small on disk: only inflating it shows its size
    with pytest.raises(files.UploadRejectedError, match="is too complex to check"):
        files.check_upload(upload("bomb.pdf", bomb), documents.accepted())
    fits = pdf_with(CATALOG, flate_object(5, bytes(files.PDF_INFLATE_LIMIT // 2)))
    assert files.check_upload(upload("fits.pdf", fits), documents.accepted())


def test_stream_after_stream_hidden_in_stream_data_is_refused_as_too_complex():
    with pytest.raises(files.UploadRejectedError, match="is too complex to check"):
        files.check_upload(upload("deep.pdf", nested_streams(9)), documents.accepted())
    assert files.check_upload(upload("ok.pdf", nested_streams(8)), documents.accepted())


def test_a_plain_pdf_with_a_compressed_page_is_kept(monkeypatch):
    content = pdf_with(CATALOG, PAGES, PAGE, flate_object(4, TEXT), b"/JSFont /Launcher /AAx")
    assert files.check_upload(upload("survey.pdf", content), documents.accepted())
    monkeypatch.setattr(files, "CHUNK", 7)  # and read in small pieces
    assert files.check_upload(upload("survey.pdf", content), documents.accepted())


def image_bytes(size: int) -> bytes:
    """A scan's data: seeded random bytes after a JPEG start, holding the short active names
    that random data comes to hold by chance in a large scan."""
    noise = bytearray(random.Random(9).randbytes(size))
    noise[:3] = b"\xff\xd8\xff"  # not a zlib header: the stream is not inflated
    noise[size // 3 : size // 3 + 4] = b"/AA "
    noise[2 * size // 3 : 2 * size // 3 + 4] = b"/JS("
    assert b"stream" not in noise
    return bytes(noise)


def image_object(data: bytes, entries: bytes) -> bytes:
    head = b"5 0 obj\n<< /Type /XObject /Subtype /Image /Length %d %s >>\nstream\n"
    return head % (len(data), entries) + data + b"\nendstream\nendobj\n"


SCAN = image_bytes(12 * 1024 * 1024)
DCT = b"/Width 2480 /Height 3508 /BitsPerComponent 8 /Filter /DCTDecode"


def test_a_large_scan_is_kept_though_its_image_data_holds_active_names_by_chance():
    scan = pdf_with(CATALOG, PAGES, PAGE, image_object(SCAN, DCT))
    assert files.check_upload(upload("deed.pdf", scan), documents.accepted())
    # The same bytes in a stream without a filter are PDF syntax, and are read.
    bare = pdf_with(CATALOG, PAGES, PAGE, image_object(SCAN, b"/Width 2480"))
    with pytest.raises(files.UploadRejectedError, match=r"additional actions \(/AA\)"):
        files.check_upload(upload("deed.pdf", bare), documents.accepted())


@pytest.mark.parametrize(
    "entries",
    [
        b"/Filter [/CCITTFaxDecode] /DecodeParms << /K -1 /Columns 2480 >>",
        b"/DecodeParms <</JBIG2Globals 8 0 R>> /ID <0a1b>/Filter/JBIG2Decode",
    ],
)
def test_a_filtered_stream_is_skipped_up_to_its_end_only_whatever_the_reads(monkeypatch, entries):
    image = image_object(b"\xff\xd8\xff /JS(x) /AA 1", entries)
    monkeypatch.setattr(files, "CHUNK", 16)
    for pad in range(16):  # the dictionary and the keywords at every position against a read
        content = pdf_with(b" " * pad, CATALOG, image)
        assert files.check_upload(upload("a.pdf", content), documents.accepted())
        after = pdf_with(b" " * pad, CATALOG, image, b"<< /AA << /O 7 0 R >> >>\n")
        with pytest.raises(files.UploadRejectedError, match="additional actions"):
            files.check_upload(upload("a.pdf", after), documents.accepted())


@pytest.mark.parametrize(
    "dictionary",
    [
        b"/Length 9 /X << /Filter /DCTDecode >>",  # a filter in a nested dictionary is not its own
        b"/Length 9 /Filter null",
        b"/Length 9 /A#2FFilter /DCTDecode",  # one key, "A/Filter"
        b"/Length 9 /T (a) /Filter /DCTDecode",  # a string: not read with certainty
    ],
)
def test_a_stream_not_certainly_filtered_is_read(dictionary):
    content = pdf_with(CATALOG, b"5 0 obj << %s >>\nstream\n/JS (1)\nendstream\n" % dictionary)
    with pytest.raises(files.UploadRejectedError, match="a script"):
        files.check_upload(upload("a.pdf", content), documents.accepted())


def test_an_object_stream_under_a_filter_not_inflated_is_refused_as_too_complex():
    objects = SCRIPT_OBJECT.hex().encode() + b">"
    entries = b"/Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode /Length %d" % len(objects)
    content = pdf_with(CATALOG, b"5 0 obj << %s >>\nstream\n" % entries, objects, b"endstream\n")
    with pytest.raises(files.UploadRejectedError) as refused:
        files.check_upload(upload("packed.pdf", content), documents.accepted())
    assert refused.value.user_message == (
        "Source document: The PDF “packed.pdf” is too complex to check (an object stream "
        "compressed in a way this check does not read) and was refused; print it to a new PDF "
        "or scan the paper."
    )


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("ledger.csv", HTML, "is not a GeoPackage, zipped Shapefile"),
        ("ledger.txt", SVG, "is not a GeoPackage, zipped Shapefile"),
        ("layer.geojson", HTML, "is not a GeoPackage, zipped Shapefile"),
        ("layer.kml", SVG, "is not a GeoPackage, zipped Shapefile"),
        ("ledger.html", CSV, "is not a GeoPackage, zipped Shapefile"),
        ("ledger", CSV, "is not a GeoPackage, zipped Shapefile"),  # no extension: no kind
        ("ledger.xls", b"\xd0\xcf\x11\xe0" + bytes(40), "is not a GeoPackage, zipped Shapefile"),
        ("ledger.csv", PNG, "is not a GeoPackage, zipped Shapefile"),
        ("ledger.xlsx", zip_bytes({"a.txt": b"x"}), "not a complete Excel file"),
        ("ledger.csv", zip_bytes({"a.shp": b"x"}), "name it .zip"),
        ("layer.zip", b"PK\x03\x04" + bytes(30), "not a complete ZIP file"),
    ],
)
def test_an_import_is_judged_by_name_and_bytes(name, content, says):
    with pytest.raises(files.UploadRejectedError, match=says):
        files.check_upload(upload(name, content), IMPORT_FILES)


def test_a_geopackage_must_say_it_is_one(tmp_path):
    plain = sqlite_bytes(tmp_path, None)
    with pytest.raises(files.UploadRejectedError, match="not a complete GeoPackage file"):
        files.check_upload(upload("layer.gpkg", plain), IMPORT_FILES)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("台账.csv", CSV, "text/csv"),
        ("台账.csv", "名称\n".encode("utf-16"), "text/csv"),  # Excel's "Unicode text"
        ("layer.geojson", GEOJSON, "application/geo+json"),
        ("layer.kml", KML, "application/vnd.google-earth.kml+xml"),
        ("ledger.xlsx", xlsx_bytes(), files.XLSX.content_type),
        ("parts.zip", zip_bytes({"a.shp": b"x", "a.dbf": b"y"}), "application/zip"),
    ],
)
def test_good_imports_pass(name, content, content_type):
    assert files.check_upload(upload(name, content), IMPORT_FILES).content_type == content_type


def test_a_real_geopackage_passes(tmp_path):
    checked = files.check_upload(upload("l.gpkg", sqlite_bytes(tmp_path, GPKG_ID)), IMPORT_FILES)
    assert (checked.content_type, checked.extension) == (files.GEOPACKAGE.content_type, ".gpkg")


def test_the_limit_is_read_when_checking_and_named(settings):
    settings.TIANFU_TITLE_DOCUMENT_MAX_MB = 1
    content = PDF + bytes(1024 * 1024)
    with pytest.raises(files.UploadRejectedError) as refused:
        files.check_upload(upload("big.pdf", content), documents.accepted())
    assert refused.value.user_message == (
        "Source document: The file “big.pdf” is larger than 1 MB."
    )
    fits = files.check_upload(upload("fits.pdf", content[: 1024 * 1024]), documents.accepted())
    assert fits.size_bytes == 1024 * 1024


# -- each channel uses it -----------------------------------------------------------------------


@pytest.mark.django_db
def test_title_documents_refuse_disguise_and_size_and_keep_a_good_scan(settings):
    titles = campaign()

    def store(name: str, content: bytes) -> SourceDocument:
        return services.upload_document(
            titles.case, upload(name, content), "survey", "", None, by=titles["officer"]
        )

    with pytest.raises(DocumentRejectedError, match="is not a PDF, JPEG, PNG or TIFF file"):
        store("deed.pdf", HTML)
    settings.TIANFU_TITLE_DOCUMENT_MAX_MB = 1
    with pytest.raises(DocumentRejectedError, match="larger than 1 MB"):
        store("deed.pdf", PDF + bytes(1024 * 1024))
    assert stored_files(settings) == []
    document = store("deed.pdf", PDF)
    assert document.content_type == "application/pdf"
    assert stored_files(settings) == [Path(document.file.path)]


@pytest.mark.django_db
def test_listing_photos_refuse_disguise_and_size_and_keep_a_good_photo(settings):
    wh = warehouse()
    listing = wh.publish()
    with pytest.raises(PhotoRejectedError, match=r"^Photo: .*is not a JPEG or PNG image"):
        add_photo(listing, upload("desk.png", SVG), by=wh["officer"])
    settings.TIANFU_LISTING_PHOTO_MAX_MB = 1
    with pytest.raises(PhotoRejectedError, match="larger than 1 MB"):
        add_photo(listing, upload("desk.png", PNG + bytes(1024 * 1024)), by=wh["officer"])
    assert stored_files(settings) == []
    photo = add_photo(listing, upload("desk.png", PNG), by=wh["officer"])
    assert photo.file.name.endswith(f"{photo.sha256}.png")


@pytest.mark.django_db
def test_stock_scans_refuse_disguise_and_size_and_keep_a_good_scan(settings):
    item = StockItemFactory()
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=item.depot.managing_unit)

    def issue(name: str, content: bytes) -> StockMovement:
        return issue_stock(
            item,
            quantity="1",
            document_no="CK-1",
            counterparty="锦江区应急局",
            document=upload(name, content),
            by=officer,
        )

    with pytest.raises(StockInputError, match=r"^Scanned document: .*is not a PDF"):
        issue("slip.pdf", SCRIPT)
    settings.TIANFU_TITLE_DOCUMENT_MAX_MB = 1
    with pytest.raises(StockInputError, match="larger than 1 MB"):
        issue("slip.pdf", PDF + bytes(1024 * 1024))
    assert stored_files(settings) == []
    assert issue("slip.pdf", PDF).document.name.endswith(".pdf")
    item.refresh_from_db()
    assert item.quantity == Decimal("99")


@pytest.fixture
def importer(db):
    return UserFactory(role=Role.UNIT_OFFICER, unit=UnitFactory())


@pytest.mark.django_db(databases="__all__")
def test_the_import_page_refuses_a_page_named_csv(client, importer, settings):
    client.force_login(importer)
    data = {"entity": "assets", "file": upload("台账.csv", HTML)}
    response = client.post(reverse("exchange:import_new"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert "“台账.csv” is not a GeoPackage, zipped Shapefile" in error
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db(databases="__all__")
def test_the_import_api_refuses_a_page_and_stores_a_good_file_by_hash(client, importer, settings):
    client.force_login(importer)
    refused = client.post(
        "/api/imports/",
        {"entity": "assets", "file": upload("a.csv", SVG)},
        HTTP_ACCEPT_LANGUAGE="en",  # the API speaks the reader's language, zh-hans by default
    )
    assert refused.status_code == 400
    [error] = refused.json()["errors"]["file"]
    assert error.startswith("The file “a.csv” is not a GeoPackage, zipped Shapefile")
    assert refused.json()["detail"].startswith("file: The file “a.csv”")
    accepted = client.post("/api/imports/", {"entity": "assets", "file": upload("台账.csv", CSV)})
    assert accepted.status_code == 201, accepted.content
    job = ImportJob.objects.get()
    assert job.original_name == "台账.csv"
    # The sender's name stays in the row; the stored copy is named by its hash.
    assert Path(job.file.name).name == f"{job.sha256[:16]}.csv"


# -- serving ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_served_document_is_a_never_sniffed_attachment_and_media_is_not_served(client):
    titles = campaign()
    document = services.upload_document(
        titles.case, upload("证书.pdf", PDF), "survey", "", None, by=titles["officer"]
    )
    client.force_login(titles["officer"])
    response = client.get(reverse("parcels:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PDF
    for path in (f"/media/{document.file.name}", "/media/", f"/{document.file.name}"):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_a_photo_is_shown_inline_and_is_not_an_export_while_a_document_is(client):
    wh = warehouse()
    listing = wh.publish()
    photo = add_photo(listing, upload("desk.png", PNG), by=wh["officer"])
    client.force_login(wh["officer"])
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    before = exports.count()
    response = client.get(reverse("assets:listing_photo", args=[listing.pk, photo.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PNG
    assert exports.count() == before
    assert client.get(f"/media/{photo.file.name}").status_code == 404

    titles = campaign()
    document = services.upload_document(
        titles.case, upload("deed.pdf", PDF), "survey", "", None, by=titles["officer"]
    )
    client.force_login(titles["officer"])
    response = client.get(reverse("parcels:document_download", args=[document.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert exports.count() == before + 1


def test_an_unknown_stored_type_goes_out_as_bytes(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    storage.save("x.html", io.BytesIO(HTML))
    stored = FieldFile(None, ListingPhoto._meta.get_field("file"), "x.html")
    stored.storage = storage
    for inline in (False, True):  # only an image is ever shown inline
        response = files.serve_upload(
            stored, filename="x.html", content_type="text/html", inline=inline
        )
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        response.file_to_stream.close()
    response = files.serve_upload(
        stored, filename="x.pdf", content_type="application/pdf", inline=True
    )
    assert response["Content-Disposition"].startswith("attachment;")
    response.file_to_stream.close()
