"""The read replica's settings and the router's rules, without a second
database: what settings.py builds from the environment, where each kind of
query goes, and the check that keeps read-your-writes sound."""

import runpy

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.replicas import DEFAULT, REPLICA, ReplicaRouter
from core.replicas.checks import replica_settings
from core.replicas.routing import RequestReads, begin, end
from wallet.models import LedgerEntry, Transfer

SETTINGS = "portal/settings.py"


def settings_with(monkeypatch, **env):
    for name in ("REPLICA_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS)


def test_without_a_replica_url_there_is_one_database_and_nothing_routes(monkeypatch):
    built = settings_with(monkeypatch, DATABASE_URL="postgres://portal@db:5432/portal")
    assert list(built["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in built
    assert not [m for m in built["MIDDLEWARE"] if "replica" in m.lower()]


def test_a_replica_url_adds_the_replica_its_router_and_its_middleware(monkeypatch):
    built = settings_with(
        monkeypatch,
        DATABASE_URL="postgres://portal@db:5432/portal",
        REPLICA_DATABASE_URL="postgres://portal@db-replica:5433/portal",
        REPLICA_MAX_LAG_SECONDS="2",
    )
    replica = built["DATABASES"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("db-replica", 5433, "portal")
    # A dead replica holds a page at most a moment; tests mirror the primary.
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"] == {"MIRROR": "default"}
    assert built["DATABASE_ROUTERS"] == ["core.replicas.ReplicaRouter"]
    # Last: it sees the view every other middleware let through.
    assert built["MIDDLEWARE"][-1] == "core.replicas.ReplicaMiddleware"
    assert built["REPLICA_MAX_LAG_SECONDS"] == 2


@pytest.fixture
def page_reads(settings):
    """A read-only page's request that was allowed the replica."""
    settings.DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    reads = RequestReads(alias=REPLICA, why="")
    begin(reads)
    yield reads
    end(reads)


def test_a_read_only_page_reads_the_replica_but_never_logins_or_sessions(page_reads):
    router = ReplicaRouter()
    assert router.db_for_read(LedgerEntry) == REPLICA
    # Someone logged in a moment ago: their session is on the primary already.
    assert router.db_for_read(Session) == DEFAULT
    assert router.db_for_read(get_user_model()) == DEFAULT
    assert page_reads.served_by == REPLICA


def test_outside_such_a_page_everything_reads_the_primary():
    assert ReplicaRouter().db_for_read(LedgerEntry) == DEFAULT


def test_writes_and_locking_reads_go_to_the_primary(page_reads):
    # select_for_update() asks for the write database: a lock decides something.
    assert Transfer.objects.select_for_update().db == DEFAULT
    assert ReplicaRouter().db_for_write(LedgerEntry) == DEFAULT
    assert ReplicaRouter().db_for_read(LedgerEntry) == REPLICA


def test_migrations_never_run_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT, "wallet") and not router.allow_migrate(REPLICA, "wallet")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_check_refuses_a_window_shorter_than_the_worst_lag(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    settings.REPLICA_MAX_LAG_SECONDS, settings.REPLICA_CHECK_SECONDS = 4, 1
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 5
    assert replica_settings(None) == []
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 4
    (error,) = replica_settings(None)
    assert error.id == "core.E101" and "REPLICA_READ_YOUR_WRITES_SECONDS (4)" in error.msg
    with pytest.raises(SystemCheckError, match="core.E101"):
        call_command("check")
