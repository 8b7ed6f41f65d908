"""Reference data every install needs: the 31 mainland provinces with their flags,
their cities / pooling areas, and the people-rules row with RULES.md defaults."""

from django.db import migrations


def seed(apps, schema_editor):
    from accounts.regions import seed_regions

    seed_regions(apps.get_model("accounts", "Province"), apps.get_model("accounts", "Region"))
    apps.get_model("accounts", "AccountsPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_people_additions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
