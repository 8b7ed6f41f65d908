#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into a NEW, EMPTY database (never
# over a live one), then prove it: the schema matches the code (no migration
# missing) and the ledger reconciles to the fen (manage.py ledger_check, W10).
#
#   createdb -h host -U user portal_restored
#   DATABASE_URL=postgres://user@host:5432/portal_restored \
#     [MEDIA_ROOT=/var/lib/portal/media-restored] deploy/restore.sh /backups/portal-2026-03-02
#
# Exits non-zero if anything does not restore or does not reconcile.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  [ $# -eq 1 ] && exit 0 || exit 2
fi
src=$1
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PORTAL_PYTHON:-$here/.venv/bin/python}
: "${DATABASE_URL:?set DATABASE_URL to the new, empty database to restore into}"
[ -f "$src/database.dump" ] || { echo "restore: no database.dump in $src" >&2; exit 2; }

(cd "$src" && sha256sum --check --quiet <(grep -E '^[0-9a-f]{64} ' MANIFEST)) \
  || { echo "restore: the files do not match their MANIFEST checksums" >&2; exit 1; }

tables=$(psql "$DATABASE_URL" -XAtc \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore: the target database is not empty ($tables tables); restore into a new one" >&2
  exit 2
fi

# One transaction: a restore that fails half way leaves the database empty.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$src/database.dump"

if [ -f "$src/media.tar.gz" ] && [ -n "${MEDIA_ROOT:-}" ]; then
  mkdir -p "$MEDIA_ROOT"
  tar -C "$MEDIA_ROOT" -xzf "$src/media.tar.gz"
fi

cd "$here"
"$python" manage.py migrate --check >/dev/null \
  || { echo "restore: the backup's schema is behind the code: run migrate" >&2; exit 1; }
"$python" manage.py ledger_check
echo "restore: $src restored and reconciled"
