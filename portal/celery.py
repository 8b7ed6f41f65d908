"""The Celery app, wired the standard way: settings under the CELERY_ namespace,
tasks autodiscovered from every installed app, the beat schedule defined here."""

import os

from celery import Celery, signals
from celery.schedules import crontab

from core import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The id of the request that queued a job is on every log line the job writes.
signals.before_task_publish.connect(logs.on_task_publish, weak=False)
signals.task_prerun.connect(logs.on_task_start, weak=False)
signals.task_postrun.connect(logs.on_task_end, weak=False)


def portal_now():
    """Beat's clock for the business's daily jobs: the portal's time (core.clock),
    so with a test clock set the morning sweep runs at 06:05 on the portal's
    clock, not the machine's. A module-level function: beat pickles its schedule."""
    from core import clock  # after Django's settings are ready

    return clock.localtime()


def daily(**when) -> crontab:
    """A crontab read on the portal's clock (portal_now)."""
    return crontab(nowfun=portal_now, **when)


def beat_schedule() -> dict:
    """The periodic jobs. Times are China Standard Time (CELERY_TIMEZONE). The
    signs of life (heartbeat, relay) keep the machine's time; the business's
    jobs read the portal's (portal_now)."""
    return {
        "heartbeat": {
            "task": "core.tasks.heartbeat",
            "schedule": crontab(),  # every minute: shows worker and beat are alive
        },
        # The job outbox: send what the broker never took, again what a dead
        # worker left half done (core/jobs.py). Every minute unless the
        # environment says otherwise (read here: the schedule is built before
        # Django's settings are).
        "core-relay-jobs": {
            "task": "core.tasks.relay_jobs",
            "schedule": float(os.environ.get("JOBS_RELAY_EVERY_SECONDS", 60)),
        },
        # W9: transfers not accepted by 06:00 on the day after go back. The run
        # at 05:55 finds nothing due yet on most days (due is 06:00 sharp) but
        # settles anything overdue from a missed run; 06:05 returns today's.
        # Both are safe to repeat: each transfer is returned exactly once.
        "accounts-redact-expired-codes": {
            "task": "accounts.tasks.redact_expired_codes",
            "schedule": crontab(minute="*/5"),
        },
        "wallet-sweep-before-six": {
            "task": "wallet.tasks.sweep_unclaimed_transfers",
            "schedule": daily(hour=5, minute=55),
        },
        "wallet-sweep-after-six": {
            "task": "wallet.tasks.sweep_unclaimed_transfers",
            "schedule": daily(hour=6, minute=5),
        },
        # W10: the ledger reconciled every night, in the quietest hour (no
        # transfers during W7's quiet hours); the result shows in the admin and
        # at /healthz.
        "wallet-ledger-check": {
            "task": "wallet.tasks.ledger_check",
            "schedule": daily(hour=3, minute=30),
        },
        # The message centre's daily reminders, at an hour fit for an SMS.
        "accounts-registrations-ending": {
            "task": "accounts.tasks.notify_registrations_ending",
            "schedule": daily(hour=9, minute=0),
        },
        "wallet-premiums-due": {
            "task": "wallet.tasks.notify_premiums_due",
            "schedule": daily(hour=9, minute=10),
        },
        "wallet-monthly-contributions": {
            "task": "wallet.tasks.post_monthly_contributions",
            "schedule": daily(day_of_month=1, hour=1, minute=0),
        },
    }


app.conf.beat_schedule = beat_schedule()
