"""Region classes of trips on the real boundaries (fixtures/divisions.gpkg): the provinces, the
cooperation regions (高竹新区, 遂潼, the cities bordering Chongqing) and the world beyond."""

import pytest

from portal.fleet.choices import RegionClass
from portal.fleet.services.regions import classify, straight_distance_m
from tests.portal.fleet.factories import point, real_divisions

pytestmark = pytest.mark.django_db

# Interior points of real divisions (their representative points).
CHENGDU_JINJIANG = point(104.116, 30.61)  # 锦江区 510104
MIANYANG_FUCHENG = point(104.659, 31.441)  # 涪城区 510703
SUINING_CHUANSHAN = point(105.587, 30.492)  # 船山区 510903
TONGNAN = point(105.793, 30.114)  # 潼南区 500152
LINSHUI = point(107.017, 30.276)  # 邻水县 511623
YUBEI = point(106.787, 29.851)  # 渝北区 500112
YUZHONG = point(106.53, 29.552)  # 渝中区 500103
YUZHONG_EAST = point(106.575, 29.56)
DAZHOU_TONGCHUAN = point(107.443, 31.359)  # 通川区 511702
DAZHOU_DAZHU = point(107.262, 30.667)  # 大竹县 511724
GUIYANG = point(106.63, 26.65)  # 贵州
KUNMING = point(102.71, 25.04)  # 云南


@pytest.fixture
def world():
    return real_divisions(
        "510104", "510703", "510903", "500152", "511623", "500112", "500103", "511702", "511724"
    )


def test_chengdu_to_chongqing_crosses_the_border(world):
    found = classify(CHENGDU_JINJIANG, YUZHONG)
    assert found.region_class == RegionClass.CROSS_PROVINCE
    assert found.crosses_border is True
    assert found.region is None
    assert (found.origin_division.code, found.destination_division.code) == ("510104", "500103")


def test_suining_to_tongnan_is_inside_the_suitong_region(world):
    found = classify(SUINING_CHUANSHAN, TONGNAN)
    assert found.region_class == RegionClass.COOPERATION
    assert found.region.name == "遂潼一体化发展先行区"
    assert found.crosses_border is True  # the label is the region's, the border is still crossed
    assert found.origin_division.code == "510903"


def test_linshui_to_yubei_is_inside_gaozhu(world):
    found = classify(LINSHUI, YUBEI)
    assert found.region_class == RegionClass.COOPERATION
    assert found.region.name == "高竹新区"
    assert found.crosses_border is True


def test_inside_linshui_the_smallest_region_wins(world):
    # 邻水 lies in both 高竹新区 and the border cities (广安): the smaller region is the label.
    found = classify(LINSHUI, point(106.95, 30.35))
    assert found.region.name == "高竹新区"
    assert found.crosses_border is False


def test_dazhou_is_inside_the_border_cities_region(world):
    found = classify(DAZHOU_TONGCHUAN, DAZHOU_DAZHU)
    assert found.region_class == RegionClass.COOPERATION
    assert found.region.name == "川渝毗邻地区"
    assert found.crosses_border is False


def test_chengdu_to_mianyang_is_within_sichuan(world):
    found = classify(CHENGDU_JINJIANG, MIANYANG_FUCHENG)
    assert found.region_class == RegionClass.SICHUAN
    assert found.crosses_border is False
    assert found.region is None
    assert found.destination_division.code == "510703"


def test_inside_yuzhong_is_within_chongqing(world):
    found = classify(YUZHONG, YUZHONG_EAST)
    assert found.region_class == RegionClass.CHONGQING
    assert found.crosses_border is False


@pytest.mark.parametrize("far", [GUIYANG, KUNMING])
def test_an_end_in_guizhou_or_yunnan_is_outside(world, far):
    found = classify(CHENGDU_JINJIANG, far)
    assert found.region_class == RegionClass.OUTSIDE
    assert found.crosses_border is True
    assert found.destination_division is None


def test_a_point_without_a_county_falls_back_to_the_province():
    # Only the province is loaded: the end is placed in it.
    real_divisions("510000", regions=False)
    found = classify(point(102.262, 30.182), CHENGDU_JINJIANG)
    assert found.origin_division.code == "510000"
    assert found.region_class == RegionClass.SICHUAN


def test_straight_distance_is_geodesic_metres():
    # Chengdu to Chongqing's centre: about 270 km as the crow flies.
    metres = straight_distance_m(CHENGDU_JINJIANG, YUZHONG)
    assert 260_000 < metres < 280_000
