"""Plausible figures for the synthetic running costs: consumption per m² or per person, unit
prices with their yearly drift, the budget margin, and the deliberate outliers. Orders of
magnitude from public energy-use notes on Chinese government offices; the demo only needs them
believable, never exact."""

from decimal import Decimal
from typing import Final

FIRST_YEAR: Final = 2016
LAST_YEAR: Final = 2025
YEARS: Final = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
# Rounds reported and published; the last year's round is still open.
PUBLISHED_YEARS: Final = YEARS[:-1]

# The rounds and the office-space reports are Sichuan's: Chongqing's units are in the registry
# for the shared vehicle pool and report to Chongqing's own administration.
REPORTING_PROVINCE: Final = "51"

# Utilities are monthly from this year on, whole-year figures (with the year's quantity) before:
# monthly rows for ten years would multiply the demo's load time several times over.
MONTHLY_SINCE: Final = 2023

# Metered use per year: electricity per m² of usable area, water and gas per person, heating
# per m² (only where offices are heated: the plateau prefectures 阿坝 and 甘孜).
KWH_PER_M2: Final = 85.0
WATER_M3_PER_PERSON: Final = 32.0
GAS_M3_PER_PERSON: Final = 18.0
HEATING_GJ_PER_M2: Final = 0.32
HEATED_PREFIXES: Final = ("5132", "5133")
GAS_SHARE: Final = 0.6  # units with a canteen on gas

# Area-driven costs follow the area the unit's staff would normally use, scaled by its actual
# area to this power: side buildings and spare rooms (the registry gives some units several
# times the normal area per person) cost less than offices in use, so such units are not all
# outliers.
NORMAL_M2_PER_PERSON: Final = 30.0
AREA_ELASTICITY: Final = 1 / 3

# Unit prices in the first year (yuan per kWh, m³, m³, GJ) and their yearly growth.
PRICES: Final = {"electricity": 0.62, "water": 3.6, "gas": 2.9, "heating": 45.0}
PRICE_GROWTH: Final = 0.018
# Electricity use falls a little every year (the economical-organs programme).
EFFICIENCY_GAIN: Final = 0.012

# Monthly shares of a year's use: Sichuan's summers need cooling, heating runs November–March.
MONTH_SHARES: Final = {
    "electricity": (9, 7, 7, 7, 8, 9, 11, 11, 9, 7, 7, 8),
    "water": (7, 7, 8, 8, 9, 9, 10, 10, 9, 8, 8, 7),
    "gas": (10, 8, 9, 8, 8, 8, 7, 7, 8, 9, 9, 9),
    "heating": (25, 20, 10, 0, 0, 0, 0, 0, 0, 0, 15, 30),
}

# Whole-year categories: yuan per m² of usable area or per person, first-year prices.
PER_M2_YUAN: Final = {"property": 36.0, "repairs": 22.0}
PER_PERSON_YUAN: Final = {"conferences": 650.0, "training": 900.0, "other": 1_300.0}
RENT_SHARE: Final = 0.06  # units renting part of their space
RENT_YUAN_PER_M2: Final = 420.0
MAJOR_REPAIRS_SHARE: Final = 0.08  # a unit-year with a major repair costs this much more
MAJOR_REPAIRS_FACTOR: Final = 3.0
# Vehicle costs: what every unit spends on travel by pooled and hired vehicles, per person, plus
# the fixed yearly cost (insurance, upkeep) of each vehicle it holds; fuel and tolls of its
# own trips are in the per-person share, which keeps holders of many vehicles near their peers.
POOLED_PER_PERSON_YUAN: Final = 600.0
PER_VEHICLE_YUAN: Final = 9_000.0
# The vehicle reform cut the fleets: vehicles held before it, as a multiple of today's.
VEHICLES_BEFORE_REFORM: Final = {2016: 1.75, 2017: 1.3}

# A unit's own habits (spread of its consumption around the norms) and the year-to-year noise.
UNIT_SPREAD: Final = (0.9, 1.12)
YEAR_NOISE: Final = 0.05
MONTH_NOISE: Final = 0.06
# Bases drift backwards from the registry's current figures, a little each year.
BASIS_DRIFT: Final = 0.015

# Budgets: the actual figure is this share of the budget, per category.
EXECUTION: Final = (0.86, 1.04)

# Deliberate outliers: one unit in OUTLIER_EVERY, from OUTLIER_SINCE on, with categories
# multiplied (an energy hog, a lavish spender) or everything cut (a lean unit).
OUTLIER_EVERY: Final = 35
OUTLIER_SINCE: Final = 2022
OUTLIERS: Final = (
    ("energy", ("electricity", "gas", "heating"), 2.6),
    ("lavish", ("conferences", "training", "other", "property"), 2.8),
    ("lean", ("electricity", "water", "gas", "property", "repairs", "conferences", "other"), 0.3),
)

CENT: Final = Decimal("0.01")
