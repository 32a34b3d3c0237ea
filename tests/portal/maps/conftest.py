"""Records around 锦江区 for the tile tests.

Two assets stand 70 m apart in 锦江区: one held by a 锦江 unit, one by a 武侯 unit (a county
officer of 锦江 must see only the first); a secret 锦江 asset stands beside them, and a 涪城 asset
far away in Mianyang. Fixture names start with ``tile_`` so that they shadow nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point

from portal.core.choices import Confidentiality
from portal.org.choices import Role
from tests.factories import AssetFactory, UnitFactory, UserFactory
from tests.portal.maps.mvt import HERE, NEAR


@dataclass
class World:
    jinjiang: object
    wuhou: object
    fucheng: object
    own: object  # 锦江's asset at HERE
    other: object  # 武侯's asset at NEAR
    secret: object  # 锦江's secret asset at HERE
    far: object  # 涪城's asset


@pytest.fixture
def tile_world(db) -> World:
    units = [UnitFactory(division_code=code) for code in ("510104", "510107", "510703")]
    jinjiang, wuhou, fucheng = units
    return World(
        jinjiang,
        wuhou,
        fucheng,
        own=AssetFactory(holder=jinjiang, geom=Point(*HERE, srid=4490), net_value=Decimal(3000)),
        other=AssetFactory(
            holder=wuhou,
            geom=Point(*NEAR, srid=4490),
            status="idle",
            net_value=Decimal("1000.50"),
        ),
        secret=AssetFactory(
            holder=jinjiang,
            geom=Point(*HERE, srid=4490),
            confidentiality=Confidentiality.SECRET,
        ),
        far=AssetFactory(holder=fucheng),
    )


@pytest.fixture
def tile_client(client, tile_world):
    """A client signed in as a province administrator (internal clearance)."""
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN, unit=tile_world.jinjiang))
    return client
