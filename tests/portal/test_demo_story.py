"""`seed_demo` shows every feature on its first run: transfers pending and
returned, a pooling binding, a chronic application and a child's document
waiting for staff, a bulk batch, contributions month by month, a consent code
one click away; seeding a fresh database again at once is not refused by the
SMS limits (A1-06); under DEBUG the login page names the demo logins."""

import datetime
import io
import os
import signal
import sys
import threading

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import DependentBinding, OutboundMessage
from bulk.models import Batch
from claims.models import ChronicRecognition
from core import clock
from wallet.models import Contribution, PoolingBinding, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class _Rollback(Exception):
    pass


def test_the_first_run_shows_every_feature():
    call_command("seed_demo", verbosity=0)
    states = set(Transfer.objects.values_list("state", flat=True))
    assert {"pending", "returned"} <= states
    assert PoolingBinding.objects.filter(status="active", relative__name="张小雨").exists()
    waiting = ChronicRecognition.objects.get(status="pending")
    assert waiting.person.name == "张伟" and "糖尿病" in waiting.diagnosis
    review = DependentBinding.objects.get(status="pending_review")
    assert review.person.name == "张小宝" and review.document
    assert Batch.objects.get().status == Batch.Status.CHECKED
    months = {clock.localtime(c.posted_at).strftime("%Y-%m") for c in Contribution.objects.all()}
    assert len(months) == 12  # credited month by month, not all today
    # The mother's consent code is readable in the outbox now.
    code = OutboundMessage.objects.get(purpose="dependent_code")
    assert code.code_readable


def test_an_expired_consent_code_is_one_click_from_a_new_one(time_machine):
    call_command("seed_demo", verbosity=0)
    binding = DependentBinding.objects.get(person__name="李秀英")
    time_machine.move_to(clock.now() + datetime.timedelta(hours=3), tick=False)
    assert not OutboundMessage.objects.get(purpose="dependent_code").code_readable
    client = Client()
    client.force_login(binding.user)
    client.post(reverse("accounts:binding_resend", args=[binding.pk]))
    fresh = OutboundMessage.objects.filter(purpose="dependent_code").order_by("-pk").first()
    assert fresh.code_readable


def test_a_fresh_database_seeded_again_at_once_is_not_refused_by_the_sms_limits():
    # The first database, then gone (rolled back); the rate limits stay in Redis.
    with pytest.raises(_Rollback), transaction.atomic():
        call_command("seed_demo", verbosity=0)
        raise _Rollback
    assert not Transfer.objects.exists()
    call_command("seed_demo", verbosity=0)  # within the same minute, same Redis
    assert OutboundMessage.objects.filter(purpose="dependent_code").exists()


def test_the_login_page_names_the_demo_logins_under_debug_only(settings):
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = True
    page = Client().get(reverse("login")).content.decode()
    assert 'id="demo-logins"' in page and "demo-2026" in page and "admin-2026" in page
    settings.DEBUG = False
    assert "demo-2026" not in Client().get(reverse("login")).content.decode()


def test_runportal_names_the_logins_again_once_the_worker_is_up(monkeypatch):
    from portal.management.commands import runportal

    sleep = [sys.executable, "-c", "import time; time.sleep(30)"]
    monkeypatch.setattr(runportal, "START_SECONDS", 0.3)
    monkeypatch.setattr(
        runportal.Command,
        "_commands",
        lambda self, addr, server: [("web", sleep), ("worker", sleep), ("beat", sleep)],
    )
    out = io.StringIO()
    command = runportal.Command(stdout=out)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(1.5, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        command._serve("127.0.0.1:8999", "runserver", False, 5)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
    assert out.getvalue().count("log in as demo / demo-2026") == 2
