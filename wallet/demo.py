"""Demo money for the local run (`manage.py seed_demo`, safe to run twice): the demo
employee 张伟 gets a year of contributions, each credited in its own month, and an
open wallet; the parent's wallet is opened by proxy by the demo user (W2); the
daughter is bound to his personal account (family pooling, P1); and two
transfers to his father tell the W8/W9 story: one returned by the morning sweep
two days ago, one waiting for the father to accept."""

import datetime

from django.core.exceptions import ImproperlyConfigured

from core import clock
from wallet.defaults import ensure_defaults
from wallet.models import Transfer, WalletPolicy
from wallet.rules import in_quiet_hours
from wallet.services import (
    contribution_post,
    pooling_bind,
    transfer_create,
    transfers_sweep,
    wallet_open,
)

RETURNED, PENDING = "demo-transfer-returned", "demo-transfer-pending"


def _months_back(n: int) -> list[datetime.date]:
    month = clock.localdate().replace(day=1)
    months = []
    for _ in range(n):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _credited_on(month: datetime.date) -> datetime.datetime:
    """Contributions arrive mid-month (10:00 on the 15th), or now in a month
    that has not got there yet."""
    moment = clock.localtime().replace(
        year=month.year, month=month.month, day=15, hour=10, minute=0, second=0, microsecond=0
    )
    return min(moment, clock.now())


def _daytime_before(moment: datetime.datetime, policy: WalletPolicy) -> datetime.datetime:
    """`moment`, or the last hour before it outside the quiet hours (W7), so a
    demo seeded at night still has its transfer made when one could be."""
    local = clock.localtime(moment)
    for _ in range(25):
        if not in_quiet_hours(policy=policy, local=local):
            return local
        local = (local - datetime.timedelta(hours=1)).replace(minute=30, second=0, microsecond=0)
    return local


def _transfers(*, employee, parent, user) -> None:
    """W9: a transfer made two days ago at 10:00 and returned by the next
    morning's sweep; W8: one made today (or this evening) still pending."""
    policy = WalletPolicy.current()
    if not Transfer.objects.filter(sender=employee, idempotency_key=RETURNED).exists():
        two_days_ago = clock.localtime() - datetime.timedelta(days=2)
        made = two_days_ago.replace(hour=10, minute=0, second=0, microsecond=0)
        returned = transfer_create(
            sender=employee,
            recipient=parent,
            amount="200.00",
            idempotency_key=RETURNED,
            acting_user=user,
            at=made,
        )
        transfers_sweep(now=returned.due_back_at, ids=[returned.pk])
    if not Transfer.objects.filter(sender=employee, idempotency_key=PENDING).exists():
        transfer_create(
            sender=employee,
            recipient=parent,
            amount="300.00",
            idempotency_key=PENDING,
            acting_user=user,
            at=_daytime_before(clock.now(), policy),
        )


def load() -> None:
    from accounts.demo import demo_family  # looked up when called: tests give their own

    ensure_defaults()
    family = demo_family()
    employee, parent = family.get("employee"), family.get("parent")
    if employee is None or parent is None:
        raise ImproperlyConfigured(
            "accounts.demo.demo_family() must return the demo 'employee' and 'parent': "
            "the wallet demo needs both."
        )
    user = employee.user
    for month in _months_back(12):
        contribution_post(
            person=employee, month=month, acting_user=None, posted_at=_credited_on(month)
        )
    wallet_open(person=employee, usage_region=employee.region, acting_user=user)
    wallet_open(person=parent, usage_region=parent.region, acting_user=user, by_proxy=True)
    child = family.get("child")
    if child is not None:
        pooling_bind(employee=employee, relative=child, acting_user=user)
    _transfers(employee=employee, parent=parent, user=user)
