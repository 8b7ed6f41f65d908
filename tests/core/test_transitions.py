"""core.transitions: every status change locks its row, checks the model's flow,
saves only what changed and writes its audit row — and no service changes a
status any other way (a test reads the source)."""

import datetime
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.actions import Action
from accounts.models import NonLocalRegistration
from core.models import AuditEvent
from core.reasons import Refusal
from core.transitions import Flow, transition
from tests.factories import InsuredPersonFactory, UserFactory, chengdu, chongqing

ROOT = Path(__file__).resolve().parents[2]


def registration():
    person = InsuredPersonFactory(region=chongqing())
    return NonLocalRegistration.objects.create(
        person=person,
        destination=chengdu(),
        kind=NonLocalRegistration.Kind.REFERRAL,
        start_date=datetime.date(2026, 3, 1),
        proof=NonLocalRegistration.Proof.NONE,
    )


def cancel(reg, *, refuse=None, guard=None, actor=None):
    return transition(
        reg,
        to=NonLocalRegistration.Status.CANCELLED,
        actor=actor,
        action=Action.REGISTRATION_CANCEL,
        person=lambda r: r.person,
        refuse=refuse,
        guard=guard,
        details={"why": "test"},
    )


def test_a_flow_says_which_status_may_become_which():
    flow = Flow({"a": ("b", "c"), "b": ("c",)})
    assert flow.allows("a", "b") and flow.allows("b", "c")
    assert not flow.allows("c", "a") and not flow.allows("b", "b")
    assert flow.sources("c") == ("a", "b")
    assert flow.states == {"a", "b", "c"}


@pytest.mark.django_db
def test_lock_check_save_only_what_changed_and_audit_in_one_go():
    reg = registration()
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        done = cancel(reg, actor=user)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("FOR UPDATE" in q for q in sql), sql  # the row was locked
    update = next(q for q in sql if q.startswith("UPDATE"))
    assert '"status"' in update and '"kind"' not in update  # update_fields
    assert done.status == "cancelled"
    row = AuditEvent.objects.get(action="registration.cancel")
    assert (row.actor, row.person, row.target) == (
        user,
        reg.person,
        f"accounts.NonLocalRegistration:{reg.pk}",
    )
    assert row.details == {"why": "test"}


@pytest.mark.django_db
def test_a_status_that_may_not_change_is_left_alone_or_refused():
    reg = cancel(registration())
    assert cancel(reg).status == "cancelled"  # again: nothing to do, nothing audited
    assert AuditEvent.objects.filter(action="registration.cancel").count() == 1
    with pytest.raises(Refusal) as refused:
        cancel(reg, refuse=lambda r: Refusal("F3-08"))
    assert refused.value.code == "F3-08"


@pytest.mark.django_db
def test_the_guard_runs_first_under_the_lock():
    reg = registration()

    def nobody(locked):
        raise PermissionDenied

    with pytest.raises(PermissionDenied):
        cancel(reg, guard=nobody)
    reg.refresh_from_db()
    assert reg.status == "active" and not AuditEvent.objects.exists()


def test_every_model_with_a_status_declares_its_flow():
    for model in apps.get_models():
        if model._meta.app_label not in {"accounts", "wallet", "claims", "bulk", "core"}:
            continue
        flow = getattr(model, "flow", None)
        names = {f.name for f in model._meta.get_fields()}
        if flow is None:
            assert not ({"status", "state"} & names) or model.__name__ in {
                "InsuredPerson",  # A1 status comes from the insurance office, not a transition
            }, f"{model.__name__} has a status but no flow"
            continue
        field = model._meta.get_field(flow.field)
        assert flow.states <= {value for value, _label in field.choices}, model.__name__


# Places that set a status by hand, each with its reason.
BY_HAND = {
    # C6: the settlement is the speed-critical path and keeps its own statements
    # (lock, check, update_fields, audit row), see claims/models/bills.py:
    # the service decides, the store writes (entered bills only, WHERE status).
    "claims/services/bills.py",
    "claims/settlement/store.py",
    # W9: one set-based statement per chunk; reads Transfer.flow, one audit row a run.
    "wallet/services/sweep.py",
    # The job outbox's bookkeeping (Job.flow): compare-and-set updates from the
    # sender and from Celery's signals in the worker; no person acts, no audit row.
    "core/jobs.py",
}
# An attribute assignment, a queryset update, an SQL SET of a status column.
STATUS_WRITE = re.compile(
    r"^\s*[\w.]+\.(status|state)\s*=(?!=)|\.update\([^)]*\b(status|state)\s*=|"
    r"\bSET\s+(status|state)\s*=",
    re.IGNORECASE,
)


def test_no_service_changes_a_status_by_hand():
    offenders = []
    for app in ("accounts", "wallet", "claims", "bulk", "core"):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative.endswith("demo.py"):
                continue
            if relative in BY_HAND or relative == "core/transitions.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if STATUS_WRITE.search(code):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "\n".join(offenders)
