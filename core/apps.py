from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from celery import signals

        from core import checks as _clock_check  # noqa: F401 - registers the deploy check
        from core import jobs
        from core.replicas import checks  # noqa: F401 - registers the settings check

        # The job outbox follows each job it sent: started, progressing, done.
        signals.task_prerun.connect(jobs.on_task_start, weak=False, dispatch_uid="core.jobs.start")
        signals.task_postrun.connect(jobs.on_task_end, weak=False, dispatch_uid="core.jobs.end")
        # A worker that starts (after a crash, a deploy, the broker's return) first
        # sends what is waiting and what its predecessor left half done.
        signals.worker_init.connect(jobs.on_worker_init, weak=False, dispatch_uid="core.jobs.init")
        signals.worker_ready.connect(
            jobs.on_worker_ready, weak=False, dispatch_uid="core.jobs.ready"
        )
