"""Heartbeats: the last time each periodic job ran (one row per job, counted),
so anyone can see that the Celery worker and beat are alive."""

from django.db import transaction
from django.db.models import F

from core import clock
from core.models import Heartbeat


@transaction.atomic
def heartbeat_record(*, name: str) -> Heartbeat:
    """Record that the periodic job `name` ran now."""
    beat, created = Heartbeat.objects.get_or_create(
        name=name, defaults={"last_seen": clock.real_now(), "runs": 1}
    )
    if not created:
        Heartbeat.objects.filter(pk=beat.pk).update(last_seen=clock.real_now(), runs=F("runs") + 1)
        beat.refresh_from_db()
    return beat
