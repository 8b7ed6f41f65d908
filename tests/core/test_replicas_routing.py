"""Pages against a replica: a second database alias that mirrors the test
database (TEST MIRROR, a connection of its own), with the router and the
middleware on. What a person notices: read-only pages come from the replica;
their own transfer shows on their statement at once; a replica that is gone,
behind, or fails under a page only sends the page to the primary."""

import contextlib
import datetime
import math

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.replicas import REPLICA, health
from core.replicas.health import ReplicaState
from core.replicas.middleware import HEADER, WROTE_COOKIE
from tests.factories import UserFactory
from tests.processes import free_port
from tests.wallet.factories import make_family

CST = datetime.timezone(datetime.timedelta(hours=8))
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """The `replica` alias, a mirror of this worker's test database, for this
    module only (the rest of the suite has one database, as without
    REPLICA_DATABASE_URL)."""
    default = connections["default"].settings_dict
    connections.settings[REPLICA] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}
    yield
    with django_db_blocker.unblock(), contextlib.suppress(Exception):
        connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def routed(settings, time_machine):
    settings.DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "core.replicas.ReplicaMiddleware"]
    # A weekday morning: transfers are allowed (W7).
    # Frozen: each step of a test moves it exactly as far as it says.
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST), tick=False)
    health.forget()
    port = connections[REPLICA].settings_dict["PORT"]
    yield
    health.forget()
    connections[REPLICA].close()
    connections[REPLICA].settings_dict["PORT"] = port


@pytest.fixture
def family():
    fam = make_family(balance="500.00")
    client = Client()
    client.force_login(fam["user"])
    fam["client"] = client
    fam["statement"] = reverse("wallet:statement", args=[fam["employee"].pk])
    return fam


def replica_gone(settings) -> None:
    """Point the replica at a port nothing listens on, as a stopped server is."""
    connections[REPLICA].close()
    connections[REPLICA].settings_dict["PORT"] = free_port()


def test_a_statement_is_read_from_the_replica(family):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        page = family["client"].get(family["statement"])
    assert page.status_code == 200 and page[HEADER] == "replica"
    assert family["employee"].name in page.content.decode()
    assert any("wallet_ledgerentry" in q["sql"] for q in on_replica.captured_queries)


def test_pages_that_write_or_decide_do_not_say_where_they_read(family):
    page = family["client"].get(reverse("wallet:index"))
    assert page.status_code == 200 and HEADER not in page


def test_after_a_transfer_the_sender_reads_the_primary_until_the_window_ends(
    family, settings, time_machine
):
    client = family["client"]
    form = client.get(reverse("wallet:transfer"))
    key = form.context["form"]["idempotency_key"].value()
    sent = client.post(
        reverse("wallet:transfer"),
        {"recipient": family["parent"].pk, "amount": "120.50", "idempotency_key": key},
    )
    assert sent.status_code == 302 and WROTE_COOKIE in sent.cookies
    page = client.get(family["statement"])
    assert page[HEADER] == "primary; wrote"
    assert "¥379.50" in page.content.decode()  # their own transfer, at once
    # To the end of the window (not to a whole second before it), then past it.
    window = settings.REPLICA_READ_YOUR_WRITES_SECONDS
    time_machine.shift(datetime.timedelta(seconds=window - 0.3))
    assert client.get(family["statement"])[HEADER] == "primary; wrote"
    time_machine.shift(datetime.timedelta(seconds=0.6))
    assert client.get(family["statement"])[HEADER] == "replica"


def test_a_replica_that_is_down_sends_reads_to_the_primary(family, settings):
    replica_gone(settings)
    page = family["client"].get(family["statement"])
    assert page.status_code == 200 and page[HEADER] == "primary; down"
    assert family["employee"].name in page.content.decode()


def test_a_replica_failing_under_a_page_is_read_again_from_the_primary(family, settings):
    # Measured a moment ago as fine; it stops before the page reads.
    settings.REPLICA_CHECK_SECONDS = 3600
    health.remember(ReplicaState(up=True, lag=0.0))
    replica_gone(settings)
    page = family["client"].get(family["statement"])
    assert page.status_code == 200 and page[HEADER] == "primary; fallback"
    assert family["employee"].name in page.content.decode()
    # The next pages of this process do not try it again until it is measured.
    assert not health.replica_state().up
    assert family["client"].get(family["statement"])[HEADER] == "primary; down"


def test_a_replica_behind_by_more_than_the_limit_is_not_read(family, settings):
    settings.REPLICA_CHECK_SECONDS = 3600
    health.remember(ReplicaState(up=True, lag=settings.REPLICA_MAX_LAG_SECONDS + 1.0))
    assert family["client"].get(family["statement"])[HEADER] == "primary; lag"
    health.remember(ReplicaState(up=True, lag=settings.REPLICA_MAX_LAG_SECONDS - 1.0))
    assert family["client"].get(family["statement"])[HEADER] == "replica"


def test_a_mirror_measures_as_not_behind(family):
    state = health.measure()
    assert state.up and state.lag == 0.0


def test_a_stopped_replica_measures_as_down(family, settings):
    replica_gone(settings)
    state = health.measure()
    assert not state.up and state.lag == math.inf and state.error is not None


def test_the_bills_summary_exports_and_admin_lists_read_the_replica(family):
    client = family["client"]
    employee = family["employee"]
    for url in (
        reverse("claims:bills"),
        reverse("claims:summary"),
        reverse("claims:summary_csv", args=[employee.pk, 2026]),
        reverse("wallet:statement_csv", args=[employee.pk, 2026]),
    ):
        page = client.get(url)
        assert (page.status_code, page[HEADER]) == (200, "replica"), url
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/wallet/transfer/", "/admin/accounts/insuredperson/"):
        page = admin.get(url)
        assert (page.status_code, page[HEADER]) == (200, "replica"), url


def test_healthz_says_how_the_replica_is_without_failing_for_it(settings, english):
    client = english(Client())
    assert client.get("/healthz").json()["replica"] == "ok"
    replica_gone(settings)
    health.forget()
    answer = client.get("/healthz")
    # The load balancer keeps the web server: its pages read the primary.
    assert answer.status_code == 200
    assert answer.json()["replica"] == (
        "the read replica does not answer: connection refused (is the server running?); "
        "pages read the primary"
    )


def test_a_replica_that_was_down_is_asked_again_after_a_while(family, settings, time_machine):
    replica_gone(settings)
    assert family["client"].get(family["statement"])[HEADER] == "primary; down"
    # The replica answers again (the fixture put it on the test database's port).
    connections[REPLICA].settings_dict["PORT"] = connections["default"].settings_dict["PORT"]
    # Back, but not asked again within the second: a dead host costs a page its
    # connect timeout each time it is asked.
    time_machine.shift(datetime.timedelta(seconds=settings.REPLICA_CHECK_SECONDS + 1))
    assert family["client"].get(family["statement"])[HEADER] == "primary; down"
    time_machine.shift(datetime.timedelta(seconds=health.DOWN_RECHECK_SECONDS))
    assert family["client"].get(family["statement"])[HEADER] == "replica"
