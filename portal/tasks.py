from celery import shared_task

from portal.services import heartbeat_record


@shared_task(acks_late=True, reject_on_worker_lost=True)
def heartbeat() -> None:
    heartbeat_record(name="beat")
