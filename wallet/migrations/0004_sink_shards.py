"""Seed the sharded sinks (settled bills, premiums): SINK_SHARDS rows each, like
the holding account's shards (0002), so a pay-out finds its row with one query
(rows missing in a flushed test database are still created on first use)."""

from django.db import migrations

SINK_SHARDS = 64  # wallet.models.SINK_SHARDS when this migration was written


def seed(apps, schema_editor):
    LedgerAccount = apps.get_model("wallet", "LedgerAccount")
    for kind in ("bills", "premiums"):
        for shard in range(SINK_SHARDS):
            LedgerAccount.objects.get_or_create(kind=kind, shard=shard, person=None)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0003_bulk_batches")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
