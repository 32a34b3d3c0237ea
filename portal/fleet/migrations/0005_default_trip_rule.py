"""A fresh installation can take bookings at once: one active rule asks any unit's trips of any
type to be signed by the requesting unit's officer. Cross-border trips add the pool manager in
the service, whatever the rules say. The administration edits or replaces this rule."""

from django.db import migrations


def add_rule(apps, schema_editor):
    rule = apps.get_model("fleet", "TripApprovalRule")
    if not rule.objects.filter(unit__isnull=True, trip_type="", active=True).exists():
        rule.objects.create(unit=None, trip_type="", steps=["unit"], active=True)


def remove_rule(apps, schema_editor):
    apps.get_model("fleet", "TripApprovalRule").objects.filter(
        unit__isnull=True, trip_type="", steps=["unit"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("fleet", "0004_pooled_dispatch")]

    operations = [migrations.RunPython(add_rule, remove_rule)]
