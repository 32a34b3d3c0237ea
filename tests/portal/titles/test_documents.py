"""Source documents: type judged by the first bytes and matched against the name, size limits,
empty files refused, what is stored, and the scoped download."""

import hashlib
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from portal.parcels import services
from portal.parcels.exceptions import CaseForbiddenError, DocumentRejectedError
from portal.parcels.models import SourceDocument
from tests.portal.titles.case_data import JPEG, PDF, PNG, TIFF, upload


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched by their English source text; pages keep their language."""
    with translation.override("en"):
        yield


def store(titles, name, content, user="officer"):
    return services.upload_document(
        titles.case, upload(name, content), "survey", "", None, by=titles[user]
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("证书扫描件.pdf", PDF, "application/pdf"),
        ("site.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("photo.jpg", JPEG + b"1", "image/jpeg"),
        ("map.tif", TIFF, "image/tiff"),
        ("map.tiff", b"MM\x00*" + bytes(12), "image/tiff"),
    ],
)
def test_good_files_are_stored_with_their_facts(titles, name, content, content_type):
    document = store(titles, name, content)
    assert document.content_type == content_type
    assert document.original_name == name
    assert document.title == name  # no title given: the file's name
    assert document.size_bytes == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert Path(document.file.path).read_bytes() == content
    assert document.file.name.startswith(f"title-documents/{titles.case.pk}/")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("scan.pdf", b"GIF89a" + bytes(20), "not a PDF"),
        ("scan.pdf", b"<html><script>", "not a PDF"),
        ("scan.pdf", PNG, ".png"),  # PNG bytes named .pdf
        ("scan.png", PDF, ".pdf"),
        ("scan", PDF, ".pdf"),
        ("scan.pdf", b"", "empty"),
    ],
)
def test_bad_files_are_refused(titles, name, content, says):
    with pytest.raises(DocumentRejectedError) as refused:
        store(titles, name, content)
    assert refused.value.http_status == 400
    assert says in refused.value.user_message
    assert name in refused.value.user_message
    assert not SourceDocument.objects.exists()


def test_too_big_is_refused(titles, settings):
    settings.TIANFU_TITLE_DOCUMENT_MAX_MB = 1
    content = PDF + bytes(1024 * 1024)
    with pytest.raises(DocumentRejectedError, match="1 MB"):
        store(titles, "big.pdf", content)
    assert store(titles, "fits.pdf", content[: 1024 * 1024]).size_bytes == 1024 * 1024


def test_the_same_file_twice_is_refused(titles):
    store(titles, "a.pdf", PDF)
    with pytest.raises(DocumentRejectedError, match=r"a\.pdf"):
        store(titles, "b.pdf", PDF)


def test_only_editors_upload(titles):
    for user in ("viewer", "other_officer"):
        with pytest.raises(CaseForbiddenError):
            store(titles, "a.pdf", PDF, user=user)
    assert not SourceDocument.objects.exists()


def test_download_is_an_attachment_for_readers_of_the_case(client, titles):
    document = store(titles, "证书.pdf", PDF)
    url = reverse("parcels:document_download", args=[document.pk])
    for role in ("viewer", "county_admin", "auditor"):
        client.force_login(titles[role])
        response = client.get(url)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("role", ["other_officer", "other_admin"])
def test_download_outside_the_scope_is_a_404(client, titles, role):
    document = store(titles, "证书.pdf", PDF)
    client.force_login(titles[role])
    response = client.get(reverse("parcels:document_download", args=[document.pk]))
    assert response.status_code == 404


def test_download_needs_a_login(client, titles):
    document = store(titles, "证书.pdf", PDF)
    response = client.get(reverse("parcels:document_download", args=[document.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_same_file_uploaded_at_the_same_moment_is_stored_once(titles, monkeypatch):
    """Two identical uploads racing past the look-up meet the database's unique constraint:
    the second is refused like a duplicate and leaves no file behind."""
    first = store(titles, "scan.pdf", PDF)
    monkeypatch.setattr(services, "_refuse_twin", lambda case, sha256: None)
    before = set(Path(first.file.path).parent.iterdir())
    with pytest.raises(DocumentRejectedError, match="already on the case"):
        store(titles, "again.pdf", PDF)
    assert SourceDocument.objects.count() == 1
    assert set(Path(first.file.path).parent.iterdir()) == before
