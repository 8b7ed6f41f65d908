"""Ledger entries reference their account through a per-statement check instead of
a row-by-row foreign key (see LedgerEntry.account); ledger accounts can no longer
be deleted or renumbered, so an entry can never lose its account."""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS = """
CREATE OR REPLACE FUNCTION wallet_ledgerentry_account_exists() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_entries n
        WHERE NOT EXISTS (SELECT 1 FROM wallet_ledgeraccount a WHERE a.id = n.account_id)
    ) THEN
        RAISE EXCEPTION 'a ledger entry names an account that does not exist (W10)'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER wallet_ledgerentry_account_exists
    AFTER INSERT ON wallet_ledgerentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_ledgerentry_account_exists();

CREATE OR REPLACE FUNCTION wallet_ledgeraccount_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger accounts are never deleted or renumbered (W10)'
        USING ERRCODE = 'foreign_key_violation';
END;
$$ LANGUAGE plpgsql;
-- "UPDATE OF id" fires only when a statement sets the id, never on balance updates.
CREATE TRIGGER wallet_ledgeraccount_kept
    BEFORE DELETE OR UPDATE OF id ON wallet_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION wallet_ledgeraccount_kept();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS wallet_ledgerentry_account_exists ON wallet_ledgerentry;
DROP FUNCTION IF EXISTS wallet_ledgerentry_account_exists();
DROP TRIGGER IF EXISTS wallet_ledgeraccount_kept ON wallet_ledgeraccount;
DROP FUNCTION IF EXISTS wallet_ledgeraccount_kept();
"""


class Migration(migrations.Migration):
    dependencies = [("wallet", "0004_sink_shards")]

    operations = [
        # The checks first, so there is no moment without one.
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AlterField(
            model_name="ledgerentry",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="wallet.ledgeraccount",
                verbose_name="account",
            ),
        ),
    ]
