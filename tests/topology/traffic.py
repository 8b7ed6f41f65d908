"""Signed-in traffic through the load balancer, as families and an
administrator make it: pages, statements, exports, admin lists, and transfers
(sent, then accepted by the relative). Each virtual person is a thread with a
browser of its own (cookies: session, CSRF, the read-your-writes mark).

Every answer is tallied: a request fails when it gets no answer, a 5xx, or
not what the page gives a person (200 for a page, 302 after a form). Pages
that may read the replica say where they were read (X-Reads-From); a page read
from the replica within the read-your-writes window after the same browser
sent a form would be a person not seeing their own write, and is counted."""

import collections
import http.cookiejar
import math
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

HEADER = "X-Reads-From"
KEY = re.compile(
    r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"'
)
ACCEPT = re.compile(r"/wallet/transfers/(\d+)/accept/")


class Closed(Exception):
    """The run has made its requests: the virtual person stops."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


@dataclass
class Phase:
    name: str
    began: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    requests: int = 0
    failed: int = 0
    reads: collections.Counter = field(default_factory=collections.Counter)


class Tally:
    """What every request got, by phase; thread-safe."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.lock = threading.Lock()
        self.phases: list[Phase] = [Phase("signing in")]
        self.failures: list[str] = []
        self.own_write_reads = 0  # reads inside the window after the browser's write
        self.own_write_misses = 0  # ...of them, read from the replica
        self.replica_gone_at = math.inf  # when the replica had stopped
        self.replica_after_stop = 0  # pages begun after that, read from it
        self.target = math.inf
        self.reached = threading.Event()
        self.closed = False
        self.cpu: dict[str, float] = {}  # CPU seconds by role while all was up

    @property
    def phase(self) -> Phase:
        return self.phases[-1]

    def begin(self, name: str, requests: int) -> None:
        with self.lock:
            last = self.phase
            last.seconds = last.seconds or time.monotonic() - last.began
            self.phases.append(Phase(name))
            self.target = self.total + requests
            self.reached.clear()

    @property
    def total(self) -> int:
        return sum(p.requests for p in self.phases)

    def record(
        self, what: str, ok: bool, reads: str | None, after_own_write: bool, started: float
    ) -> None:
        with self.lock:
            phase = self.phase
            phase.requests += 1
            if not ok:
                phase.failed += 1
                self.failures.append(f"{phase.name}: {what}")
            if reads:
                phase.reads[reads] += 1
                if after_own_write:
                    self.own_write_reads += 1
                    self.own_write_misses += reads == "replica"
                self.replica_after_stop += reads == "replica" and started > self.replica_gone_at
            if self.total >= self.target:
                self.reached.set()


class Browser:
    """One person's browser: cookies, CSRF token, when it last sent a form."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        self.wrote_at = -math.inf

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def get(self, path: str) -> str:
        return self._send("GET", path, None, expect=200)

    def post(self, path: str, fields: dict) -> str:
        fields = {**fields, "csrfmiddlewaretoken": self.cookie("csrftoken")}
        return self._send("POST", path, urllib.parse.urlencode(fields).encode(), expect=302)

    def log_in(self, username: str, password: str) -> None:
        self.get("/login/")
        self.post("/login/", {"username": username, "password": password})

    def _send(self, method: str, path: str, data: bytes | None, expect: int) -> str:
        if self.tally.closed:
            raise Closed
        started = time.monotonic()
        url = self.base + path  # http://127.0.0.1:<the load balancer>/…
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        status, headers, body = None, None, b""
        try:
            with self.opener.open(request, timeout=60) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as answer:
            status, headers, body = answer.code, answer.headers, answer.read()
        except OSError as error:  # refused, reset, timed out: no answer at all
            status = f"no answer ({error})"
        # The server read the mark between this request's start and its answer,
        # and wrote it after the form's start: if even the answer came within
        # the window of the form's start, the server saw the mark as fresh.
        after_own_write = time.monotonic() - self.wrote_at < self.tally.window
        if method == "POST":
            self.wrote_at = started
        reads = headers.get(HEADER) if headers is not None else None
        self.tally.record(
            f"{method} {path} → {status}", status == expect, reads, after_own_write, started
        )
        return body.decode("utf-8", "replace")


def family(base: str, tally: Tally, people: dict, password: str, year: int) -> None:
    """An employee who looks at the family's pages and, every third round,
    sends 1.00 to a parent's wallet; the parent (their own login) accepts it."""
    sender, recipient = Browser(base, tally), Browser(base, tally)
    employee, parent = people["employee"], people["parent"]
    statement = f"/wallet/statement/{employee}/"
    try:
        sender.log_in(people["employee_login"], password)
        recipient.log_in(people["parent_login"], password)
        for round_ in range(10**9):
            sender.get("/")
            sender.get(statement)
            sender.get("/claims/bills/")
            sender.get("/claims/summary/")
            sender.get(f"/wallet/statement/{employee}/{year}.csv")
            recipient.get(f"/wallet/statement/{parent}/")
            if round_ % 3:
                continue
            form = sender.get("/wallet/transfer/")
            key = KEY.search(form)
            fields = {"recipient": parent, "amount": "1.00", "source": "personal"}
            sender.post(
                "/wallet/transfer/", {**fields, "idempotency_key": key and (key[1] or key[2])}
            )
            sender.get(statement)  # their own transfer: read from the primary
            for pk in ACCEPT.findall(recipient.get("/wallet/")):
                recipient.post(f"/wallet/transfers/{pk}/accept/", {})
    except Closed:
        return


def reader(base: str, tally: Tally, login: str, password: str, pages: list[str]) -> None:
    """Someone who only reads: the demo family's bills and summary, or the
    administrator's lists."""
    browser = Browser(base, tally)
    try:
        browser.log_in(login, password)
        while True:
            for page in pages:
                browser.get(page)
    except Closed:
        return
