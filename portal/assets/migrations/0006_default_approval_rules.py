"""Seed the approval chains a fresh registry starts with; the administration edits them as data.

Transfers: the giving and receiving units sign; from 50,000 yuan of net value the offices
administration signs too. Disposals: the offices administration signs. Reversing deletes only
these seeded rows (rules added since are kept).
"""

from decimal import Decimal

from django.db import migrations

SEEDED = (
    ("transfer", Decimal("0"), ["holder_unit", "receiving_unit"]),
    ("transfer", Decimal("50000"), ["holder_unit", "receiving_unit", "administration"]),
    ("disposal", Decimal("0"), ["administration"]),
)
NOTE = "seeded default"


def seed(apps, schema_editor):
    rule = apps.get_model("assets", "ApprovalRule")
    for subject, min_value, steps in SEEDED:
        rule.objects.get_or_create(
            subject=subject,
            category=None,
            min_value=min_value,
            active=True,
            defaults={"steps": steps, "note": NOTE},
        )


def unseed(apps, schema_editor):
    rule = apps.get_model("assets", "ApprovalRule")
    for subject, min_value, steps in SEEDED:
        rule.objects.filter(
            subject=subject, category=None, min_value=min_value, steps=steps, note=NOTE
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("assets", "0005_public_asset_warehouse")]

    operations = [migrations.RunPython(seed, unseed)]
