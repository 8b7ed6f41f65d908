"""Demo money for the local run (`manage.py seed_demo`, safe to run twice): the demo
employee 张伟 gets twelve months of contributions and an open wallet; the parent's
wallet is opened by proxy by the demo user (W2)."""

import datetime

from django.core.exceptions import ImproperlyConfigured

from core import clock
from wallet.defaults import ensure_defaults
from wallet.services import contribution_post, wallet_open


def _months_back(n: int) -> list[datetime.date]:
    month = clock.localdate().replace(day=1)
    months = []
    for _ in range(n):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


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
        contribution_post(person=employee, month=month, acting_user=None)
    wallet_open(person=employee, usage_region=employee.region, acting_user=user)
    wallet_open(person=parent, usage_region=parent.region, acting_user=user, by_proxy=True)
