"""Listing photos: the type judged by the first bytes and matched against the name, the size
limit, one copy per listing, stored under the content hash; who may add and remove them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from portal.assets.exceptions import (
    PhotoRejectedError,
    WarehouseForbiddenError,
    WarehouseStateError,
)
from portal.assets.models import Listing, ListingPhoto
from portal.assets.services import listings as services
from portal.assets.services.listings import add_photo, remove_photo
from tests.portal.assets.listing_data import JPEG, PDF, PNG, Warehouse, upload, warehouse

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def wh(db) -> Warehouse:
    return warehouse()


@pytest.fixture
def listing(wh) -> Listing:
    return wh.publish()


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("桌子.png", PNG, "image/png", ".png"),
        ("desk.JPG", JPEG, "image/jpeg", ".jpg"),
        ("desk.jpeg", JPEG + b"1", "image/jpeg", ".jpg"),
    ],
)
def test_a_photo_is_stored_under_its_hash(wh, listing, name, content, content_type, extension):
    photo = add_photo(listing, upload(name, content), by=wh["officer"])
    digest = hashlib.sha256(content).hexdigest()
    assert (photo.original_name, photo.content_type) == (name, content_type)
    assert (photo.size_bytes, photo.sha256) == (len(content), digest)
    assert photo.file.name == f"warehouse/{listing.pk}/{digest}{extension}"
    assert Path(photo.file.path).read_bytes() == content
    assert photo.uploaded_by == wh["officer"]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("desk.jpg", PDF, "is not a JPEG or PNG image"),  # a PDF renamed .jpg
        ("desk.png", b"GIF89a" + bytes(20), "is not a JPEG or PNG image"),
        ("desk.jpg", PNG, "is a image/png file but its name ends in “.jpg”"),
        ("desk.pdf", JPEG, "ends in “.pdf”"),
        ("desk", PNG, "ends in “.”"),
        ("desk.png", b"", "is empty"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(wh, listing, settings, name, content, says):
    with pytest.raises(PhotoRejectedError, match=re.escape(says)) as refused:
        add_photo(listing, upload(name, content), by=wh["officer"])
    assert refused.value.http_status == 400
    assert refused.value.user_message.startswith("Photo:")
    assert not ListingPhoto.objects.exists()
    assert media_files(settings) == []


def test_an_oversized_photo_is_refused(wh, listing, settings):
    settings.TIANFU_LISTING_PHOTO_MAX_MB = 1
    content = PNG + bytes(1024 * 1024)
    with pytest.raises(PhotoRejectedError, match="larger than 1 MB"):
        add_photo(listing, upload("big.png", content), by=wh["officer"])
    assert not ListingPhoto.objects.exists()
    assert media_files(settings) == []
    fits = content[: 1024 * 1024]
    assert add_photo(listing, upload("fits.png", fits), by=wh["officer"]).size_bytes == len(fits)


def test_the_same_photo_twice_on_a_listing_is_refused(wh, listing, settings):
    add_photo(listing, upload("a.png", PNG), by=wh["officer"])
    with pytest.raises(PhotoRejectedError, match=r"already on the listing as “a\.png”"):
        add_photo(listing, upload("b.png", PNG), by=wh["officer"])
    assert ListingPhoto.objects.count() == 1
    assert len(media_files(settings)) == 1
    other = wh.publish()  # another listing may carry the same photo
    assert (
        add_photo(other, upload("b.png", PNG), by=wh["officer"]).sha256
        == hashlib.sha256(PNG).hexdigest()
    )


def test_the_same_photo_uploaded_at_the_same_moment_is_stored_once(
    wh, listing, settings, monkeypatch
):
    """Two identical uploads racing past the look-up meet the unique constraint: the second is
    refused like a duplicate and leaves no file behind."""
    add_photo(listing, upload("a.png", PNG), by=wh["officer"])
    monkeypatch.setattr(services, "_refuse_twin", lambda listing, sha256: None)
    with pytest.raises(PhotoRejectedError, match="already on the listing"):
        add_photo(listing, upload("again.png", PNG), by=wh["officer"])
    assert ListingPhoto.objects.count() == 1
    assert len(media_files(settings)) == 1


@pytest.mark.parametrize("role", ["viewer", "other_officer", "auditor"])
def test_only_editors_of_the_listing_add_photos(wh, listing, settings, role):
    with pytest.raises(WarehouseForbiddenError):
        add_photo(listing, upload("a.png", PNG), by=wh[role])
    assert not ListingPhoto.objects.exists()
    assert media_files(settings) == []


def test_a_closed_listing_takes_no_photo(wh, listing, settings):
    Listing.objects.filter(pk=listing.pk).update(status="withdrawn")
    listing.refresh_from_db()
    with pytest.raises(WarehouseStateError, match="cannot change"):
        add_photo(listing, upload("a.png", PNG), by=wh["officer"])
    assert media_files(settings) == []


def test_removing_a_photo_deletes_its_file_once_committed(
    wh, listing, settings, django_capture_on_commit_callbacks
):
    photo = add_photo(listing, upload("a.png", PNG), by=wh["officer"])
    with pytest.raises(WarehouseForbiddenError):
        remove_photo(photo, by=wh["other_officer"])
    assert ListingPhoto.objects.filter(pk=photo.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        remove_photo(photo, by=wh["county_admin"])
    assert not ListingPhoto.objects.exists()
    assert media_files(settings) == []
