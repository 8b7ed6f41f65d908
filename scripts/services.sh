#!/usr/bin/env bash
# Make sure the services the test suite talks to are up: PostgreSQL and Redis on
# 127.0.0.1, and Debian's Chromium for the browser tests. Starts a local server
# that is installed but stopped; otherwise fails naming what is missing.
set -u
PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}; REDIS_PORT=${REDIS_PORT:-6379}
fail=0

pg_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
redis_up() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

if ! command -v pg_isready >/dev/null; then
  echo "services: PostgreSQL client tools (pg_isready) are not installed; install PostgreSQL 15." >&2; fail=1
elif ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  fi
  pg_up || { echo "services: PostgreSQL is not reachable on $PGHOST:$PGPORT and could not be started." >&2; fail=1; }
fi

if ! command -v redis-cli >/dev/null; then
  echo "services: Redis (redis-server, redis-cli) is not installed." >&2; fail=1
elif ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis…"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  fi
  redis_up || { echo "services: Redis is not reachable on $REDIS_HOST:$REDIS_PORT and could not be started." >&2; fail=1; }
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "services: installing Debian's Chromium for the browser tests…"
    (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) || true
  fi
  [ -x /usr/bin/chromium ] || { echo "services: /usr/bin/chromium is missing (apt-get install chromium) — needed by the browser tests." >&2; fail=1; }
fi

# axe-core (accessibility checks in the browser tests): the version pinned in
# package.json / package-lock.json, from the npm registry, into node_modules/.
AXE_WANTED=$(sed -n 's/.*"axe-core": "\([^"]*\)".*/\1/p' package.json)
axe_ok() { [ -f node_modules/axe-core/axe.min.js ] && grep -q "\"version\": \"$AXE_WANTED\"" node_modules/axe-core/package.json; }
if ! axe_ok; then
  if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "services: installing Debian's npm for the browser tests' axe-core…"
    (apt-get install -y -q npm >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q npm >/dev/null 2>&1; }) || true
  fi
  if command -v npm >/dev/null; then
    echo "services: installing axe-core $AXE_WANTED (npm ci)…"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null || true
  fi
  axe_ok || { echo "services: axe-core $AXE_WANTED is missing from node_modules/ (npm ci) — needed by the browser tests." >&2; fail=1; }
fi

if ! command -v msgfmt >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q gettext >/dev/null 2>&1 || true
  fi
  command -v msgfmt >/dev/null || { echo "services: gettext (msgfmt) is missing — needed to compile the translations." >&2; fail=1; }
fi

exit $fail
