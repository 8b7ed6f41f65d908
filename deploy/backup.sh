#!/usr/bin/env bash
# Back up the portal into a new folder: the database as a pg_dump (custom format,
# one consistent snapshot taken while the portal keeps running) and the uploaded
# documents (MEDIA_ROOT) as a tar, with a manifest of checksums.
#
#   DATABASE_URL=postgres://user@host:5432/portal [MEDIA_ROOT=/var/lib/portal/media] \
#     deploy/backup.sh /backups/portal-2026-03-02
#
# Restore with deploy/restore.sh (which also proves the copy: ledger_check).
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  [ $# -eq 1 ] && exit 0 || exit 2
fi
dest=$1
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup: DATABASE_URL must be a PostgreSQL URL (postgres://…)" >&2; exit 2 ;;
esac
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "backup: $dest exists and is not empty; choose a new folder" >&2; exit 2
fi
mkdir -p "$dest"
umask 077  # the dump holds ID numbers and balances

# --no-owner/--no-privileges: the copy restores under whatever role restores it.
pg_dump --format=custom --compress=6 --no-owner --no-privileges \
  --file="$dest/database.dump" --dbname="$DATABASE_URL"

media=${MEDIA_ROOT:-$(dirname "$0")/../var/media}
if [ -d "$media" ]; then
  tar -C "$media" -czf "$dest/media.tar.gz" .
fi

{
  echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "pg_dump: $(pg_dump --version)"
  (cd "$dest" && sha256sum database.dump $( [ -f media.tar.gz ] && echo media.tar.gz ))
} > "$dest/MANIFEST"
echo "backup: written to $dest ($(du -sh "$dest" | cut -f1))"
