"""The test clock for staging and demos (core/clock.py, `manage.py clock`): the
morning sweep (W9), quiet hours (W7) and beat follow it; every page shows a
banner while it is set; `check --deploy` refuses it."""

import datetime
import pickle
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import clock
from core.models import AuditEvent, ClockOffset
from core.reasons import Refusal
from portal.celery import app
from tests.portal.test_settings import PRODUCTION_ENV, run_manage
from tests.wallet.factories import make_family
from wallet.models import AccountKind, LedgerAccount, Transfer
from wallet.selectors import ledger_problems
from wallet.services import transfer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_clock(settings):
    settings.PORTAL_TEST_CLOCK = True
    clock.forget()
    yield
    clock.forget()


def set_clock(text: str) -> None:
    call_command("clock", "set", text)


def personal(person) -> Decimal:
    return LedgerAccount.objects.get(person=person, kind=AccountKind.PERSONAL).balance


def test_a_transfer_never_accepted_is_returned_by_the_sweep_at_0605_next_day(test_clock):
    from wallet.tasks import sweep_unclaimed_transfers

    set_clock("2026-03-02T10:00")
    fam = make_family(balance="500.00")
    transfer = transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount="100.00",
        idempotency_key="d-10",
        acting_user=fam["user"],
    )
    assert clock.localtime(transfer.created_at).hour == 10
    assert personal(fam["employee"]) == Decimal("400.00")

    set_clock("2026-03-03T05:55")  # the 05:55 run: not due yet
    assert sweep_unclaimed_transfers() == 0
    set_clock("2026-03-03T06:05")  # the beat's 06:05 run, on the test clock
    assert sweep_unclaimed_transfers() == 1
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.RETURNED
    assert personal(fam["employee"]) == Decimal("500.00")
    assert ledger_problems() == []


def test_quiet_hours_follow_the_test_clock(test_clock):
    set_clock("2026-03-02T23:00")
    fam = make_family(balance="500.00")
    with pytest.raises(Refusal) as refused:
        transfer_create(
            sender=fam["employee"],
            recipient=fam["parent"],
            amount="5.00",
            idempotency_key="late",
            acting_user=fam["user"],
        )
    assert refused.value.code == "W7-01"


def test_beat_reads_the_business_jobs_on_the_portal_clock(test_clock):
    set_clock("2026-03-03T06:05")
    sweep = app.conf.beat_schedule["wallet-sweep-after-six"]["schedule"]
    moment = sweep.now()
    assert (moment.date(), moment.hour, moment.minute) == (datetime.date(2026, 3, 3), 6, 5)
    last_run = clock.localtime() - datetime.timedelta(days=1)
    assert sweep.is_due(last_run).is_due
    # Beat keeps its schedule on disk (pickled): the portal's clock goes with it.
    kept = pickle.loads(pickle.dumps(sweep))  # noqa: S301 - our own bytes, just written
    assert kept.now().date() == datetime.date(2026, 3, 3)


def test_set_show_and_reset_are_audited(test_clock):
    set_clock("2030-01-01T09:00")
    assert clock.localdate() == datetime.date(2030, 1, 1)
    shown = StringIO()
    call_command("clock", "show", stdout=shown)
    assert "portal time: 2030-01-01T09:00" in shown.getvalue()
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("clock", "set", "tomorrow")
    call_command("clock", "reset")
    assert not ClockOffset.objects.exists()
    assert abs(clock.now() - clock.real_now()) < datetime.timedelta(seconds=5)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["clock.set", "clock.reset"]


def test_the_command_refuses_without_the_setting(settings):
    settings.PORTAL_TEST_CLOCK = False
    with pytest.raises(CommandError, match="PORTAL_TEST_CLOCK"):
        set_clock("2030-01-01T09:00")
    assert not ClockOffset.objects.exists()


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "测试时钟"), ("en", "Test clock")])
def test_every_page_shows_the_banner_while_the_clock_is_set(
    test_clock, client, admin_client, settings, language, words
):
    for browser in (client, admin_client):
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert words not in client.get(reverse("login")).content.decode()
    set_clock("2030-01-01T09:00")
    assert words in client.get(reverse("login")).content.decode()
    assert "2030-01-01 09:0" in client.get(reverse("login")).content.decode()
    assert words in admin_client.get(reverse("admin:index")).content.decode()
    call_command("clock", "reset")
    assert words not in admin_client.get(reverse("admin:index")).content.decode()


def test_check_deploy_refuses_the_test_clock():
    result = run_manage("check", "--deploy", env={**PRODUCTION_ENV, "PORTAL_TEST_CLOCK": "1"})
    assert result.returncode != 0
    assert "core.E201" in result.stdout + result.stderr
