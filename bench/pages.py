"""Page latency under gunicorn with production settings, against a trivial page.

Creates a PostgreSQL database of its own (default portal_bench_pages, dropped and
recreated), migrates it, loads the demo data (manage.py seed_demo: the demo
family with wallets, transfers, bills, registrations) and collects the static
files; then serves the portal with gunicorn as the Procfile does (DEBUG off,
whitenoise, HTTPS-only cookies and redirects behind a TLS proxy: the requests
say X-Forwarded-Proto: https) and logs in as the demo user.

It then times the family, wallet, transfer, bills, summary, estimate and login
pages with that session (the login page answers a logged-in visitor with a
redirect: the trivial page, the cost every logged-in request pays), and the
login form as an anonymous visitor sees it, round after round — first one
client, then C clients at once — and prints p50/p95/p99 per page, the queries
each page costs (the same request in process, through Django's test client),
and last the family page's p50 ÷ the login page's p50 (one client). Target:
≤ 3. The ratio to the visitor's login form is printed too. manage.py
ledger_check runs at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_pages \\
        .venv/bin/python bench/pages.py [--rounds 200] [--clients 4] [--workers 3]
"""

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _wallet_common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench_pages"
PAGES = {
    "family": "/",
    "wallet": "/wallet/",
    "transfer": "/wallet/transfer/",
    "bills": "/claims/bills/",
    "summary": "/claims/summary/",
    "estimate": "/claims/estimate/",
    # The reference: the login page with the logged-in session (Django answers
    # it with a redirect to the family page: the session and user are read as
    # for every page, nothing else); and the login form as a visitor sees it.
    "login": "/login/",
    "login form": "/login/",
}
ANONYMOUS = {"login form"}
# What each page answers (the logged-in visit to the login page: a redirect).
STATUS = {"login": 302}


def production_env(url: str, static_root: str) -> dict:
    """The environment of a production web process (README: Configuration)."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS_ONLY": "1",
        "BEHIND_TLS_PROXY": "1",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        # No broker needed to render pages; an unused one costs nothing.
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # A cache of the run's own: the demo's SMS codes are rate-limited per phone
        # (A1), and a second run within the minute must not find the first's limits.
        "CACHE_KEY_PREFIX": f"bench-pages-{secrets.token_hex(4)}",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """A browser's cookies and the headers a TLS proxy adds, over plain HTTP."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-hans",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, content

    def log_in(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = f"csrfmiddlewaretoken={token}&username={username}&password={password}"
        status, _ = self.request(
            "POST",
            "/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "https://127.0.0.1/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"logging in as {username} failed ({status})")


def wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped while starting")
        try:
            Session(port).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer within 60 s")


def measure(port: int, session_cookies: dict, rounds: int, clients: int) -> dict[str, list]:
    """Every page once per round, in turn; `clients` threads doing the same."""
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    lock = threading.Lock()
    errors = []

    def client(number: int) -> None:
        user = Session(port)
        user.cookies = dict(session_cookies)
        anonymous = Session(port)
        names = list(PAGES)
        for round_no in range(rounds):
            # Each client starts at another page, so the pages mix.
            for name in names[number % len(names) :] + names[: number % len(names)]:
                who = anonymous if name in ANONYMOUS else user
                started = time.perf_counter()
                status, _ = who.request("GET", PAGES[name])
                elapsed = time.perf_counter() - started
                if status != STATUS.get(name, 200):
                    errors.append((name, status))
                elif round_no >= 2:  # the first rounds warm each worker's caches
                    with lock:
                        times[name].append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit(f"pages answered with errors: {errors[:5]}")
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(title: str, times: dict[str, list]) -> None:
    print(f"{title}:")
    for name, values in times.items():
        print(
            f"  {name:10s} p50 {percentile(values, 50) * 1e3:7.1f} ms   "
            f"p95 {percentile(values, 95) * 1e3:7.1f} ms   "
            f"p99 {percentile(values, 99) * 1e3:7.1f} ms   ({len(values)} requests)"
        )


def queries_per_page(env: dict) -> None:
    """The same requests in this process (test client), counting the queries."""
    os.environ.update({k: v for k, v in env.items() if k != "SECRET_KEY"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client needs it; the database is ours
    user = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="zh-hans")
    user.force_login(get_user_model().objects.get(username="demo"))
    anonymous = Client(HTTP_X_FORWARDED_PROTO="https")
    print("queries per page (the same request in process):")
    for name, path in PAGES.items():
        client = anonymous if name in ANONYMOUS else user
        client.get(path)  # caches as warm as a served page's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == STATUS.get(name, 200), (name, response.status_code)
        print(f"  {name:10s} {len(queries.captured_queries):3d}")
    from django.core.management import call_command

    call_command("ledger_check")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="requests per page and client")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (Procfile: 3)")
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    options = parser.parse_args()
    if not options.db.startswith("postgres"):
        sys.exit("bench/pages.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    print(f"database {urlparse(options.db).path.lstrip('/')} (recreated)", flush=True)
    recreate_database(options.db)
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = production_env(options.db, static_root)
    python = str(ROOT / ".venv" / "bin" / "python")
    python = python if Path(python).exists() else sys.executable
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["seed_demo", "-v0"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(options.workers), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port, server)
        me = Session(port)
        me.log_in("demo", "demo-2026")
        print(f"gunicorn: {options.workers} workers on port {port}; logged in as demo", flush=True)
        sequential = measure(port, me.cookies, options.rounds, 1)
        report("one client", sequential)
        parallel = measure(
            port, me.cookies, max(1, options.rounds // options.clients), options.clients
        )
        report(f"{options.clients} clients", parallel)
    finally:
        server.terminate()
        server.wait(timeout=30)
    queries_per_page(env)
    family = statistics.median(sequential["family"])
    login = statistics.median(sequential["login"])
    form = statistics.median(sequential["login form"])
    four = statistics.median(parallel["family"]) / statistics.median(parallel["login"])
    print(f"family p50 ÷ login form p50 (a visitor's login form, one client): {family / form:.2f}")
    print(f"family p50 ÷ login p50 with {options.clients} clients: {four:.2f}")
    print(f"family p50 ÷ login p50 (one client): {family / login:.2f} (target ≤ 3)")


if __name__ == "__main__":
    main()
