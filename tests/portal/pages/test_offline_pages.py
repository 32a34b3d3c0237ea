"""Detail pages and the dashboard load nothing from another host (air-gapped intranets)."""

import pytest
from django.urls import reverse

from tests.portal.core.test_offline import EXTERNAL

pytestmark = pytest.mark.django_db


def test_pages_reference_no_other_host(client, province_admin, jinjiang):
    client.force_login(province_admin)
    paths = [record.get_absolute_url() for record in jinjiang.records.values()]
    paths += [reverse("org:division_detail", args=["510104"]), reverse("maps:dashboard")]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert not EXTERNAL.search(body), f"{path}: {EXTERNAL.search(body).group(0)}"
