"""The shared FilterSets: spatial parameters in metres and degrees, and clear errors."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from portal.assets.filters import AssetFilterSet
from portal.assets.models import Asset
from portal.org.filters import UnitFilterSet
from portal.org.models import Unit
from tests.factories import AssetFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assets():
    chengdu = UnitFactory(division_code="510104")
    mianyang = UnitFactory(division_code="510703")
    near = AssetFactory(holder=chengdu, geom=Point(104.0800, 30.6300, srid=4490))
    # 0.0100° north is about 1,109 m at this latitude.
    far = AssetFactory(holder=chengdu, geom=Point(104.0800, 30.6400, srid=4490), status="idle")
    other = AssetFactory(holder=mianyang, net_value=100)
    return near, far, other


def pks(params):
    filterset = AssetFilterSet(params, queryset=Asset.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def errors(params, filterset_class=AssetFilterSet, queryset=None):
    # English, whatever language an earlier test left active: the fragments below are English.
    with translation.override("en"):
        filterset = filterset_class(params, queryset=queryset or Asset.objects.all())
        assert not filterset.is_valid()
        return {key: " ".join(value) for key, value in filterset.errors.items()}


def test_near_is_in_metres_on_the_ellipsoid(assets):
    near, far, _ = assets
    assert pks({"near": "104.08,30.63,1000"}) == {near.pk}
    assert pks({"near": "104.08,30.63,1200"}) == {near.pk, far.pk}


def test_bbox_intersects_and_division(assets):
    near, far, other = assets
    assert pks({"bbox": "104.07,30.62,104.09,30.635"}) == {near.pk}
    polygon = (
        '{"type":"Polygon","coordinates":[[[104.07,30.635],[104.09,30.635],[104.09,30.65],'
        "[104.07,30.65],[104.07,30.635]]]}"
    )
    assert pks({"intersects": polygon}) == {far.pk}
    assert pks({"division": "510100"}) == {near.pk, far.pk}
    assert pks({"division": "510703"}) == {other.pk}


def test_attribute_filters(assets):
    near, far, other = assets
    assert pks({"status": ["idle"]}) == {far.pk}
    assert pks({"max_value": "500"}) == {other.pk}
    assert pks({"unit": other.holder.credit_code.lower()}) == {other.pk}
    assert pks({"q": "计算机", "status": ["in_use"]}) == {near.pk, other.pk}


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"bbox": "104,30,105"}, "bbox", "4 comma-separated numbers"),
        ({"bbox": "104,30,200,31"}, "bbox", "-180..180"),
        ({"bbox": "105,31,104,30"}, "bbox", "minimum must be below"),
        ({"near": "104,30,9000000"}, "near", "radius"),
        ({"intersects": "{not json"}, "intersects", "not a GeoJSON geometry"),
        ({"division": "999999"}, "division", "no current division"),
        ({"status": ["lost"]}, "status", "lost"),
    ],
)
def test_bad_parameters_name_the_problem(params, field, fragment):
    found = errors(params)
    assert fragment in found[field]


def test_units_filter_on_their_location():
    unit = UnitFactory(division_code="510104", location=Point(104.08, 30.63, srid=4490))
    filterset = UnitFilterSet({"near": "104.08,30.63,50"}, queryset=Unit.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs) == [unit]
