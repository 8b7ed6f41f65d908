"""How far the replica is behind the primary: two statements on PostgreSQL's
own functions (no table of the portal's).

The primary says how far its write-ahead log is on disk; the replica says how
many bytes of that it has not replayed yet and how old the last transaction it
replayed is. A replica that has replayed everything the primary had a moment
before is not behind at all, however long ago the last write was; one that has
not is behind by the age of the last transaction it replayed. A server that is
not in recovery (a test mirror of the primary) answers with its own position."""

PRIMARY_POSITION = "SELECT pg_current_wal_flush_lsn()::text"

REPLICA_BEHIND = """
SELECT pg_wal_lsn_diff(
         %s::pg_lsn,
         CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
              ELSE pg_current_wal_flush_lsn() END
       )::float8,
       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
"""
