"""Seed the claims settings and the commercial plans with the RULES.md defaults
(C5, T2, T3), so every installation starts with editable rows."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    ("百万医疗险（常见条款 60%）", Decimal("100"), Decimal("60"), 0),
    ("百万医疗险（优选条款 80%）", Decimal("100"), Decimal("80"), 1),
]


def seed(apps, schema_editor):
    ClaimsSettings = apps.get_model("claims", "ClaimsSettings")
    CommercialPlan = apps.get_model("claims", "CommercialPlan")
    ClaimsSettings.objects.get_or_create(pk=1)
    for name, with_basic, without_basic, position in PLANS:
        CommercialPlan.objects.get_or_create(
            name=name,
            defaults={
                "rate_with_basic": with_basic,
                "rate_without_basic": without_basic,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
