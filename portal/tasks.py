from celery import shared_task

from portal.services import heartbeat_record


@shared_task
def heartbeat() -> None:
    heartbeat_record(name="beat")
