"""Energy use per m² and per person (the economical-organ and energy-efficiency-leader
programmes' indicators) sums kilograms of standard coal equivalent, so each metered energy needs
its factor. Seeded with the calorific equivalents of GB/T 2589-2020 (综合能耗计算通则) as
secondary sources give them, and marked for checking: the administration edits the table; a
round's indicators read it when they are computed."""

from decimal import Decimal

from django.db import migrations

SOURCE = "GB/T 2589-2020 (secondary source; check against the official text)"
FACTORS = [
    ("electricity", "kWh", Decimal("0.1229")),  # calorific equivalent of electricity
    ("gas", "m³", Decimal("1.2143")),  # natural gas, 38,931 kJ/m³ (range 1.1000–1.3300)
    ("heating", "GJ", Decimal("34.1200")),  # heat, 0.03412 kgce/MJ
]


def add_factors(apps, schema_editor):
    factor = apps.get_model("costs", "EnergyFactor")
    for category, unit, value in FACTORS:
        factor.objects.get_or_create(
            category=category,
            defaults={"unit": unit, "kgce_per_unit": value, "source": SOURCE, "needs_check": True},
        )


def remove_factors(apps, schema_editor):
    apps.get_model("costs", "EnergyFactor").objects.filter(
        category__in=[category for category, _, _ in FACTORS], source=SOURCE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("costs", "0001_running_costs")]

    operations = [migrations.RunPython(add_factors, remove_factors)]
