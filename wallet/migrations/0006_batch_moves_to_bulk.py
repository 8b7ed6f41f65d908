"""Batch and BatchRow now belong to the bulk app (bulk 0001): the wallet app
forgets them, their tables stay. The rates' region field says what an empty
region means (one help text for both, from their RegionalRate base)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_auditevent_moves_to_core"),
        ("bulk", "0001_initial"),
        ("wallet", "0005_ledger_entry_account_check"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="batchrow", name="batch"),
                migrations.RemoveField(model_name="batchrow", name="person"),
                migrations.RemoveField(model_name="batchrow", name="region"),
                migrations.DeleteModel(name="Batch"),
                migrations.DeleteModel(name="BatchRow"),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="contributionrate",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the national default, for every region without its own row.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.region",
                verbose_name="region",
            ),
        ),
        migrations.AlterField(
            model_name="premiumrate",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the national default, for every region without its own row.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.region",
                verbose_name="region",
            ),
        ),
    ]
