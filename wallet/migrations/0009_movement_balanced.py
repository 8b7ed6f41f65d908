"""The database refuses a movement whose entries do not sum to zero (W10), at
commit, whoever writes it.

Cheap in the common case: a statement-level trigger adds up each movement within
the statement that inserted its entries (the posting primitive writes a whole
movement in one statement, so they balance there and nothing more happens). A
movement left unbalanced by a statement is noted in wallet_openmovement, and a
constraint trigger deferred to the commit checks each noted movement against all
its entries: a movement may take several statements of one transaction, but what
is committed balances. (A check per entry, deferred, cost the morning sweep two
thirds of its time again: bench/sweep.py.)"""

from django.db import migrations

BALANCED = """
CREATE TABLE wallet_openmovement (movement uuid PRIMARY KEY);

CREATE OR REPLACE FUNCTION wallet_ledgerentry_note_open_movements() RETURNS trigger AS $$
BEGIN
    INSERT INTO wallet_openmovement (movement)
    SELECT movement FROM new_entries GROUP BY movement HAVING sum(amount) <> 0
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER wallet_ledgerentry_note_open_movements
    AFTER INSERT ON wallet_ledgerentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_ledgerentry_note_open_movements();

CREATE OR REPLACE FUNCTION wallet_openmovement_balanced() RETURNS trigger AS $$
DECLARE
    total numeric;
BEGIN
    SELECT sum(amount) INTO total FROM wallet_ledgerentry WHERE movement = NEW.movement;
    IF total <> 0 THEN
        RAISE EXCEPTION 'movement % does not sum to zero but to % (W10)', NEW.movement, total
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM wallet_openmovement WHERE movement = NEW.movement;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER wallet_openmovement_balanced
    AFTER INSERT ON wallet_openmovement
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_openmovement_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS wallet_ledgerentry_note_open_movements ON wallet_ledgerentry;
DROP FUNCTION IF EXISTS wallet_ledgerentry_note_open_movements();
DROP TABLE IF EXISTS wallet_openmovement;
DROP FUNCTION IF EXISTS wallet_openmovement_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("wallet", "0008_portal_clock")]

    operations = [migrations.RunSQL(BALANCED, DROP)]
