"""The administrators' to-do list: the admin's first screen.

Each app says what waits for staff in its own ``<app>/todo.py``, with a function
decorated by ``@todo.register`` that takes the staff user and returns an
``Item`` (or a list of them, or None when that user may not see it). Core knows
no app: it imports every app's ``todo`` module once (``autodiscover``, as the
admin does with ``admin.py``) and asks each function in INSTALLED_APPS order.
Staff read rule ids, each with its sentence: an item names its rule and says in
a sentence what waits.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from core import clock

log = logging.getLogger(__name__)


class Level:
    """How an item looks: nothing to do, something waiting, something wrong."""

    OK = "ok"
    WAITING = "waiting"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Item:
    label: str  # the sentence: what waits, in the reader's language
    count: int | None  # None: not a count (the last ledger check)
    url: str  # where to do it
    rule: str = ""  # the rule id the work applies (RULES.md), for staff
    level: str = ""  # Level.*; by default WAITING when count > 0, else OK
    note: str = ""  # a second line (when, since when)

    @property
    def state(self) -> str:
        if self.level:
            return self.level
        return Level.WAITING if self.count else Level.OK


Provider = Callable[..., "Item | Iterable[Item] | None"]
_providers: list[Provider] = []
_discovered: list[bool] = []


def register(provider: Provider) -> Provider:
    """Declare a to-do item: ``provider(user)`` returns an Item, a list, or None."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def autodiscover() -> None:
    """Import every app's ``todo`` module (once, on the first page that asks)."""
    if not _discovered:
        autodiscover_modules("todo")
        _discovered.append(True)


def items(*, user) -> list[Item]:
    """Every item this staff user may see. One provider that fails (a table
    not migrated yet, a bug) costs its own line, never the admin's first page."""
    autodiscover()
    found: list[Item] = []
    for provider in _providers:
        try:
            result = provider(user)
        except Exception:
            log.exception("to-do item %s failed", getattr(provider, "__name__", provider))
            continue
        if result is None:
            continue
        found.extend([result] if isinstance(result, Item) else result)
    # What is wrong first, then what waits, then what is done (stable within each).
    order = {Level.PROBLEM: 0, Level.WAITING: 1, Level.OK: 2}
    return sorted(found, key=lambda item: order.get(item.state, 1))


# -- core's own item: the background jobs that stopped --------------------------------


@register
def stalled_jobs(user) -> Item | None:
    """Jobs given up after an error, and jobs whose worker shows no progress
    (the relay starts those again by itself; a person looks at the first)."""
    from core.jobs import stalled_after
    from core.models import Job

    if not user.has_perm("core.view_job"):
        return None
    quiet_since = clock.real_now() - stalled_after() - datetime.timedelta(minutes=1)
    count = Job.objects.filter(
        Q(status=Job.Status.FAILED)
        | Q(status=Job.Status.STARTED, progress_at__lt=quiet_since)
        | Q(status=Job.Status.STARTED, progress_at__isnull=True, started_at__lt=quiet_since)
    ).count()
    return Item(
        label=_("Background jobs that stopped or show no progress"),
        count=count,
        url=reverse("admin:core_job_changelist") + "?status__exact=failed",
        level=Level.PROBLEM if count else Level.OK,
    )
