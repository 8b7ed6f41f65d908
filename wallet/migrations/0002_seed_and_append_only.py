"""Seed the wallet rules, contribution and premium defaults and the system accounts
(RULES.md defaults); make ledger entries append-only with a trigger
and give the ledger accounts room for HOT balance updates."""

import datetime
from decimal import Decimal

from django.db import migrations

HOLDING_SHARDS = 64  # wallet.models.HOLDING_SHARDS when this migration was written

# Balances are updated all the time and never indexed: leave room on each page so
# the updates stay HOT (no new index entries, no index bloat).
FILLFACTOR = "ALTER TABLE wallet_ledgeraccount SET (fillfactor = 80);"
FILLFACTOR_UNDO = "ALTER TABLE wallet_ledgeraccount RESET (fillfactor);"

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION wallet_ledgerentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only (W10)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER wallet_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON wallet_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION wallet_ledgerentry_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS wallet_ledgerentry_append_only ON wallet_ledgerentry;
DROP FUNCTION IF EXISTS wallet_ledgerentry_append_only();
"""


def seed(apps, schema_editor):
    WalletPolicy = apps.get_model("wallet", "WalletPolicy")
    ContributionRate = apps.get_model("wallet", "ContributionRate")
    PremiumRate = apps.get_model("wallet", "PremiumRate")
    LedgerAccount = apps.get_model("wallet", "LedgerAccount")
    WalletPolicy.objects.get_or_create(pk=1)
    # A monthly base of 6,000 yuan: 2 % employee share; the employer part credited
    # to the personal account varies by region and age; 30 yuan as the default.
    ContributionRate.objects.get_or_create(
        region=None,
        valid_from=datetime.date(2020, 1, 1),
        defaults={"employee_share": Decimal("120.00"), "employer_credit": Decimal("30.00")},
    )
    # Resident insurance, individual part (national minimum standard).
    for year, amount in ((2024, "380.00"), (2025, "400.00"), (2026, "400.00")):
        PremiumRate.objects.get_or_create(
            region=None, year=year, defaults={"amount": Decimal(amount)}
        )
    for shard in range(HOLDING_SHARDS):
        LedgerAccount.objects.get_or_create(kind="holding", shard=shard, person=None)
    for kind in ("contributions", "bills", "premiums"):
        LedgerAccount.objects.get_or_create(kind=kind, shard=0, person=None)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]

    operations = [
        # Storage and trigger first: ALTER TABLE cannot follow the seed's inserts
        # (deferred foreign-key checks) in the same transaction.
        migrations.RunSQL(APPEND_ONLY + FILLFACTOR, DROP_APPEND_ONLY + FILLFACTOR_UNDO),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
