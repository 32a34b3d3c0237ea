"""The people of a statistics round on the squares of tests.factories: two province
administrators and a third, the administrators of 成都, 锦江区, 武侯区 and 绵阳, an officer of a
锦江区 unit, and the round of 2025 opened with its returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.core.choices import GovernmentLevel
from portal.costs.choices import ReturnStatus
from portal.costs.models import CostCampaign, CostReturn
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import UnitFactory, UserFactory
from tests.portal.costs.factories import CampaignFactory, ReturnFactory

LEVELS = {
    "510000": GovernmentLevel.PROVINCE,
    "510100": GovernmentLevel.CITY,
    "510700": GovernmentLevel.CITY,
}


def unit_in(code: str, **fields: object) -> Unit:
    return UnitFactory(division_code=code, level=LEVELS.get(code, GovernmentLevel.COUNTY), **fields)


def admin_of(code: str) -> User:
    role = Role.PROVINCE_ADMIN if code == "510000" else Role.DIVISION_ADMIN
    return UserFactory(role=role, unit=unit_in(code))


@dataclass
class World:
    province: list[User]
    admins: dict[str, User]
    officer: User
    campaign: CostCampaign
    returns: dict[str, CostReturn] = field(default_factory=dict)

    def ret(self, code: str) -> CostReturn:
        return CostReturn.objects.select_related("campaign", "division").get(
            pk=self.returns[code].pk
        )


def make_world(**campaign: object) -> World:
    province = [admin_of("510000") for _ in range(3)]
    admins = {code: admin_of(code) for code in ("510100", "510104", "510107", "510700")}
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit_in("510104"))
    round_ = CampaignFactory(**campaign)
    returns = {
        code: ReturnFactory(campaign=round_, division_code=code, status=ReturnStatus.FILLING)
        for code in ("510000", "510100", "510104", "510107", "510700")
    }
    return World(province, admins, officer, round_, returns)
