"""Factories of the costs app, on the divisions of tests.factories (成都 5101 with 锦江区 510104
and 武侯区 510107, 绵阳 5107 with 涪城区 510703, under 四川 51)."""

import datetime as dt
from decimal import Decimal

import factory

from portal.costs.choices import CampaignStatus, CostCategory, CostSource
from portal.costs.models import CostBasis, CostBudget, CostCampaign, CostRecord, CostReturn
from tests.factories import UnitFactory, division


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCampaign

    year = 2025
    title = factory.LazyAttribute(lambda o: f"{o.year}年度运行成本统计")
    status = CampaignStatus.OPEN
    fill_deadline = dt.date(2026, 3, 31)
    review_deadline = dt.date(2026, 4, 30)


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostReturn

    class Params:
        division_code = "510104"

    campaign = factory.SubFactory(CampaignFactory)
    division = factory.LazyAttribute(lambda o: division(o.division_code))


class CostRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostRecord

    unit = factory.SubFactory(UnitFactory)
    building = None
    year = 2025
    month = None
    category = CostCategory.PROPERTY
    amount_yuan = Decimal("10000.00")
    quantity = None
    source = CostSource.FORM


class BasisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostBasis

    unit = factory.SubFactory(UnitFactory)
    year = 2025
    usable_area_m2 = Decimal("1000.00")
    staff = 50
    vehicles = 2


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostBudget

    unit = factory.SubFactory(UnitFactory)
    year = 2025
    category = CostCategory.PROPERTY
    amount_yuan = Decimal("12000.00")
