"""The database refuses a movement whose entries do not sum to zero (W10): a
constraint trigger, deferred to the commit, checks each new entry's movement
(found by its index). A movement may be written in several statements of one
transaction; what is committed always balances."""

from django.db import migrations, models

BALANCED = """
CREATE OR REPLACE FUNCTION wallet_ledgerentry_movement_balanced() RETURNS trigger AS $$
DECLARE
    total numeric;
BEGIN
    SELECT sum(amount) INTO total FROM wallet_ledgerentry WHERE movement = NEW.movement;
    IF total <> 0 THEN
        RAISE EXCEPTION 'movement % does not sum to zero but to % (W10)', NEW.movement, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER wallet_ledgerentry_movement_balanced
    AFTER INSERT ON wallet_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_ledgerentry_movement_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS wallet_ledgerentry_movement_balanced ON wallet_ledgerentry;
DROP FUNCTION IF EXISTS wallet_ledgerentry_movement_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("wallet", "0008_portal_clock")]

    operations = [
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["movement"], name="ledger_entry_movement_idx"),
        ),
        migrations.RunSQL(BALANCED, DROP),
    ]
