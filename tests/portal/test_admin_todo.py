"""The administrators' to-do list, the admin's first screen (core/todo.py): what
waits, with its count, its rule id and a link; apps add their own items."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from core import clock, todo
from core.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(english) -> Client:
    client = Client()
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    return english(client)


def _todo(client: Client) -> str:
    html = client.get(reverse("admin:index")).content.decode()
    start = html.index('id="todo"')
    return html[start : html.index("</section>", start)]


def test_the_first_screen_lists_what_waits_with_rule_ids_and_links(staff_client):
    UserFactory(username="wf")
    AccessAttempt.objects.create(
        username="wf", ip_address="10.0.0.1", user_agent="x", failures_since_start=5,
        attempt_time=clock.real_now(), get_data="", post_data="", http_accept="", path_info="/",
    )  # fmt: skip
    Job.objects.create(task="claims.tasks.bills_settle", status=Job.Status.FAILED)
    section = _todo(staff_client)
    assert "Chronic-disease applications waiting for a decision" in section
    assert "C5" in section and "?status__exact=pending" in section
    assert "Child bindings waiting for their document to be reviewed" in section
    assert "Logins locked out after wrong passwords" in section
    assert reverse("admin:auth_user_changelist") + "?locked=1" in section
    assert "Background jobs that stopped or show no progress" in section
    assert "Bulk activation batches of the past week with rows not opened" in section
    assert "The ledger has not been checked yet" in section
    # Out-of-pocket claims (M2, M5) and refunds waiting for a second person (R5).
    assert "Out-of-pocket claims waiting for review" in section and "M2" in section
    assert "Approved out-of-pocket claims waiting to be paid" in section
    assert "Refunds waiting for a second approval" in section and "R5" in section
    # Counts: one lockout (of a login that exists), one stopped job.
    assert re.search(r'todo-count">1</strong>\s*<span class="todo-rule">A1</span>', section)
    assert 'todo-problem"' in section
    locked = staff_client.get(reverse("admin:auth_user_changelist") + "?locked=1")
    assert locked.status_code == 200


def test_another_app_adds_its_item_and_a_failing_one_costs_only_its_line(staff_client):
    @todo.register
    def refunds(user):
        return todo.Item(label="Refunds waiting", count=3, url="/admin/", rule="S2")

    @todo.register
    def broken(user):
        raise RuntimeError("a bug")

    try:
        section = _todo(staff_client)
    finally:
        todo._providers.remove(refunds)
        todo._providers.remove(broken)
    assert "Refunds waiting" in section and "S2" in section
    assert "Chronic-disease applications" in section


def test_staff_see_only_the_items_they_may_act_on(english):
    client = Client()
    client.force_login(UserFactory(username="clerk", is_staff=True))
    response = english(client).get(reverse("admin:index"))
    assert response.status_code == 200
    assert 'id="todo"' not in response.content.decode()


def test_the_last_ledger_check_is_shown_with_its_time(staff_client):
    from wallet.models import LedgerCheck

    started = clock.real_now() - datetime.timedelta(hours=2)
    LedgerCheck.objects.create(
        trigger="nightly", started_at=started, finished_at=started, accounts=10
    )
    section = _todo(staff_client)
    assert "The last ledger check found every balance right" in section
    assert f"Last check: {clock.localtime(started):%Y-%m-%d %H:%M} (nightly job)." in section


def test_a_night_without_a_check_is_said_even_after_a_check_by_hand(staff_client):
    from wallet.models import LedgerCheck

    now = clock.real_now()
    two_days_ago = now - datetime.timedelta(days=2)
    LedgerCheck.objects.create(
        trigger="nightly", started_at=two_days_ago, finished_at=two_days_ago, accounts=10
    )
    LedgerCheck.objects.create(trigger="command", started_at=now, finished_at=now, accounts=10)
    section = _todo(staff_client)
    assert "The ledger was not checked last night" in section
    assert "(ledger_check command)" in section
