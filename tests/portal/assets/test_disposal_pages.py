"""The disposal pages: who sees which listings in disposal (their own, and an offices
administration those of its division), a batch created from ticked listings, then submitted,
signed and completed with the proceeds of each row; refusals come back with their status and
write nothing, and a mistyped amount names its row."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.assets.choices import AssetStatus, BatchStatus, ListingStatus
from portal.assets.models import (
    Approval,
    Asset,
    CustodyEntry,
    DisposalBatch,
    DisposalItem,
    Listing,
)
from portal.assets.services.disposal import (
    create_disposal_batch,
    move_to_disposal,
    sign_disposal_batch,
    submit_disposal_batch,
)
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.assets.listing_data import warehouse

LIST = reverse("assets:disposal")
TODAY = timezone.localdate()


@pytest.fixture
def wh(db):
    return warehouse()


@pytest.fixture
def client(client):
    """Pages in English, so service messages are matched by their source text."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def listings(wh):
    """Two listings of 锦江区's unit (in Chengdu) whose screening period is over."""
    published = [wh.publish(), wh.publish()]
    Listing.objects.filter(pk__in=[x.pk for x in published]).update(
        screening_ends_on=TODAY - dt.timedelta(days=1)
    )
    move_to_disposal(TODAY)
    return list(Listing.objects.filter(pk__in=[x.pk for x in published]).order_by("pk"))


def batch_of(wh, listings, method="auction"):
    return create_disposal_batch(method, wh.offices, listings, by=wh["offices_officer"])


def approved(wh, listings, method="auction"):
    batch = submit_disposal_batch(batch_of(wh, listings, method), by=wh["offices_officer"])
    sign_disposal_batch(batch, "approved", by=wh["offices_officer"])
    return batch


def shown(client, user):
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == 200
    return {listing.pk for listing in response.context["listings"]}


def written():
    return (
        list(DisposalBatch.objects.order_by("pk").values_list("status", flat=True)),
        list(DisposalItem.objects.order_by("pk").values_list("listing", "proceeds")),
        list(Listing.objects.order_by("pk").values_list("status", flat=True)),
        list(Asset.objects.order_by("pk").values_list("status", flat=True)),
        Approval.objects.count(),
        CustodyEntry.objects.count(),
    )


def test_the_page_needs_a_login(client, db):  # the portal checks PostgreSQL first
    assert client.get(LIST).status_code == 302


def test_who_sees_the_listings_in_disposal(client, wh, listings):
    ids = {listing.pk for listing in listings}
    assert shown(client, wh["officer"]) == ids  # the holder's own
    assert shown(client, wh["viewer"]) == ids
    assert shown(client, wh["offices_officer"]) == ids  # Chengdu's administration runs them
    assert shown(client, wh["far_offices_officer"]) == set()  # Mianyang's does not
    assert shown(client, wh["other_officer"]) == set()
    assert shown(client, wh["province_admin"]) == ids
    published = wh.publish()  # not in disposal: not on this page
    assert published.pk not in shown(client, wh["officer"])


def test_only_who_runs_disposal_gets_the_batch_form(client, wh, listings):
    client.force_login(wh["offices_officer"])
    page = client.get(LIST)
    assert page.context["form"] is not None
    assert 'name="listings"' in page.content.decode()
    client.force_login(wh["officer"])
    page = client.get(LIST)
    assert page.context.get("form") is None
    assert 'name="listings"' not in page.content.decode()


def test_a_batch_is_created_from_ticked_listings(client, wh, listings):
    client.force_login(wh["offices_officer"])
    data = {"method": "auction", "unit": wh.offices.pk, "listings": [x.pk for x in listings]}
    response = client.post(LIST, data)
    batch = DisposalBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch.get_absolute_url()
    assert set(batch.items.values_list("listing", flat=True)) == {x.pk for x in listings}
    page = client.get(LIST).content.decode()
    assert batch.code in page
    assert f'name="listings" value="{listings[0].pk}"' not in page  # batched: no box


def test_creating_a_batch_is_refused_without_writing(client, wh, listings):
    before = written()
    client.force_login(wh["offices_officer"])
    nothing = client.post(LIST, {"method": "auction", "unit": wh.offices.pk})
    assert nothing.status_code == 400
    assert "Tick at least one listing" in nothing.content.decode()
    client.force_login(wh["far_offices_officer"])  # the listings are not in its division
    data = {"method": "auction", "unit": wh.far_offices.pk, "listings": [listings[0].pk]}
    assert client.post(LIST, data).status_code == 400
    client.force_login(wh["officer"])  # a holder does not run disposal
    data = {"method": "scrap", "unit": wh.offices.pk, "listings": [listings[0].pk]}
    assert client.post(LIST, data).status_code == 400
    client.force_login(wh["province_admin"])  # may run any, but Mianyang's is not the holder's
    data = {"method": "scrap", "unit": wh.far_offices.pk, "listings": [listings[0].pk]}
    response = client.post(LIST, data)
    assert response.status_code == 403
    assert "lies outside the division" in response.content.decode()
    assert written() == before


def test_the_batch_page_is_the_administrations(client, wh, listings):
    batch = batch_of(wh, listings)
    url = batch.get_absolute_url()
    for name in ("offices_officer", "offices_admin", "province_admin"):
        client.force_login(wh[name])
        assert client.get(url).status_code == 200, name
    for name in ("far_offices_officer", "other_officer"):
        client.force_login(wh[name])
        assert client.get(url).status_code == 404, name


def test_submit_and_sign_through_the_page(client, wh, listings):
    batch = batch_of(wh, listings)
    url = batch.get_absolute_url()
    client.force_login(wh["offices_officer"])
    assert set(client.get(url).context["forms"]) == {"submit"}
    before = written()
    early = client.post(url, {"action": "sign", "decision": "approved"})
    assert early.status_code == 409
    assert written() == before
    assert client.post(url, {"action": "submit"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.chain) == (BatchStatus.SUBMITTED, ["administration"])
    assert set(client.get(url).context["forms"]) == {"sign"}
    response = client.post(url, {"action": "sign", "decision": "approved", "note": "同意处置"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED
    page = client.get(url)
    assert set(page.context["forms"]) == {"complete"}
    assert "同意处置" in page.content.decode()


def test_a_bad_amount_names_its_row_and_writes_nothing(client, wh, listings):
    batch = approved(wh, listings)
    items = list(batch.items.order_by("pk"))
    url = batch.get_absolute_url()
    before = written()
    client.force_login(wh["offices_officer"])
    data = {
        "action": "complete",
        f"proceeds_{items[0].pk}": "1200",
        f"proceeds_{items[1].pk}": "12,00.5x",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    code = items[1].asset.ledger_code
    assert f"Row 2 ({code}): “1200.5x” is not an amount." in response.content.decode()
    data[f"proceeds_{items[1].pk}"] = "-3"
    assert "Row 2" in client.post(url, data).content.decode()
    data[f"proceeds_{items[1].pk}"] = "1.005"
    assert client.post(url, data).status_code == 400
    del data[f"proceeds_{items[0].pk}"]
    data[f"proceeds_{items[1].pk}"] = "5"
    response = client.post(url, data)
    assert "Row 1" in response.content.decode()
    assert written() == before


def test_completing_records_the_proceeds(client, wh, listings):
    batch = approved(wh, listings)
    items = list(batch.items.order_by("pk"))
    client.force_login(wh["offices_officer"])
    data = {
        "action": "complete",
        f"proceeds_{items[0].pk}": "1,200.50",
        f"counterparty_{items[0].pk}": "成都某回收公司",
        f"proceeds_{items[1].pk}": "0",
    }
    response = client.post(batch.get_absolute_url(), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    first = DisposalItem.objects.get(pk=items[0].pk)
    assert (first.proceeds, first.counterparty) == (Decimal("1200.50"), "成都某回收公司")
    assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.DISPOSED}
    assert set(Asset.objects.filter(listings__isnull=False).values_list("status", flat=True)) == {
        AssetStatus.DISPOSED
    }
    page = client.get(batch.get_absolute_url())
    assert page.context["proceeds"] == Decimal("1200.50")
    assert "1,200.50" in page.content.decode()
    listing_page = client.get(LIST)
    assert listing_page.context["proceeds_total"] == Decimal("1200.50")


def test_the_service_refuses_a_donation_that_fetched_money(client, wh, listings):
    batch = approved(wh, listings, method="donation")
    items = list(batch.items.order_by("pk"))
    before = written()
    client.force_login(wh["offices_officer"])
    data = {"action": "complete", **{f"proceeds_{item.pk}": "0" for item in items}}
    data[f"proceeds_{items[1].pk}"] = "10"
    response = client.post(batch.get_absolute_url(), data)
    assert response.status_code == 400
    assert "a donation fetches nothing" in response.content.decode()
    assert items[1].asset.ledger_code in response.content.decode()
    assert written() == before


def test_who_may_not_act_on_a_batch_is_refused(client, wh, listings):
    batch = batch_of(wh, listings)
    url = batch.get_absolute_url()
    before = written()
    client.force_login(wh["far_offices_officer"])
    assert client.post(url, {"action": "submit"}).status_code == 404
    client.force_login(UserFactory(role=Role.VIEWER, unit=wh.offices))  # reads, acts on nothing
    assert client.get(url).context["forms"] == {}
    assert client.post(url, {"action": "submit"}).status_code == 403
    assert written() == before
    submit_disposal_batch(batch, by=wh["offices_officer"])
    before = written()
    assert client.post(url, {"action": "sign", "decision": "approved"}).status_code == 403
    data = {"action": "complete", **{f"proceeds_{i.pk}": "0" for i in batch.items.all()}}
    assert client.post(url, data).status_code == 403
    client.force_login(wh["offices_officer"])
    assert client.post(url, data).status_code == 409  # not approved yet
    assert written() == before


def test_a_batch_hides_an_asset_above_the_reader_s_clearance(client, wh, listings):
    """An asset classified since it was listed is left out of the batch's page, its form and
    the list's counts for readers without clearance; a reader cleared for it sees it."""
    batch = approved(wh, listings)
    items = list(batch.items.order_by("pk"))
    DisposalItem.objects.filter(pk=items[0].pk).update(proceeds=Decimal("50.00"))
    DisposalItem.objects.filter(pk=items[1].pk).update(proceeds=Decimal("7.00"))
    Asset.objects.filter(pk=listings[1].asset_id).update(confidentiality="secret")
    officer = wh["offices_officer"]
    client.force_login(officer)
    page = client.get(batch.get_absolute_url())
    assert [item.pk for item in page.context["items"]] == [items[0].pk]
    assert page.context["proceeds"] == Decimal("50.00")
    assert [row[1].pk for row in page.context["forms"]["complete"].rows()] == [items[0].pk]
    assert listings[1].asset.ledger_code not in page.content.decode()
    [row] = client.get(LIST).context["batches"]
    assert (row.item_count, row.proceeds) == (1, Decimal("50.00"))
    officer.clearance = "secret"
    officer.save(update_fields=["clearance"])
    page = client.get(batch.get_absolute_url())
    assert [item.pk for item in page.context["items"]] == [items[0].pk, items[1].pk]
