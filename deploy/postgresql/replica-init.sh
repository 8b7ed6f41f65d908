#!/usr/bin/env bash
# Make a streaming replica of the primary: a base backup of the running
# primary (pg_basebackup, WAL streamed alongside) into an empty data folder,
# with a replication slot and the standby settings (-R: standby.signal and
# primary_conninfo). Start PostgreSQL on the folder afterwards.
#
#   deploy/postgresql/replica-init.sh "host=db1 port=5432 user=replicator" /var/lib/postgresql/15/main
#
# PRIMARY_CONNINFO is a libpq connection string (a password comes from
# ~/.pgpass or PGPASSWORD); SLOT (default portal_replica) names the slot.
# `make test-topology` makes its replica with this script.
set -euo pipefail
if [ $# -ne 2 ] || [ "$1" = "--help" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
conninfo=$1
datadir=$2
slot=${SLOT:-portal_replica}
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -e "$datadir" ] && [ -n "$(ls -A "$datadir")" ]; then
  echo "replica-init: $datadir is not empty; move it away first." >&2
  exit 1
fi
# A slot left by an earlier replica of the same name would hold WAL for ever:
# drop it first, over the replication connection (nothing to drop is fine; a
# slot still in use makes pg_basebackup say so below).
"$bindir/pg_receivewal" -d "$conninfo" --drop-slot -S "$slot" 2>/dev/null || true
"$bindir/pg_basebackup" -d "$conninfo" -D "$datadir" -R -X stream -C -S "$slot" --checkpoint=fast
chmod 700 "$datadir"
echo "replica-init: $datadir is a standby of the primary (slot $slot); start PostgreSQL on it."
