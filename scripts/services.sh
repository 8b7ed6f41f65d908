#!/usr/bin/env bash
# Make sure what the test suite needs besides its servers is installed: Debian's
# Chromium and axe-core for the browser tests, a Chinese font (PDFs and
# browser tests), gettext for the translations.
# PostgreSQL and Redis: scripts/with_services.py uses the ones that answer, or
# starts the embedded ones (pip wheels).
set -u
fail=0

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

# A Chinese font: the PDFs embed it (core/pdf.py: "·" and every character they
# print), and Chromium draws Chinese pages with real glyphs, not boxes, so the
# browser tests measure the lines a family sees.
WQY=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ ! -f "$WQY" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "services: installing Debian's fonts-wqy-microhei for the PDFs and the browser tests…"
  (apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1; }) || true
fi
[ -f "$WQY" ] || echo "services: fonts-wqy-microhei is missing: the PDFs fall back to a font without \"·\"." >&2

if ! command -v msgfmt >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q gettext >/dev/null 2>&1 || true
  fi
  command -v msgfmt >/dev/null || { echo "services: gettext (msgfmt) is missing — needed to compile the translations." >&2; fail=1; }
fi

exit $fail
