"""Redis (the broker) stopped while people use the portal: pages load, transfers
are made and an administrator's bulk upload is taken — never a 500; /healthz
answers 503 saying why in words; the upload's page says its job is queued. When
Redis is back, everything catches up by itself: the queued check runs, the batch
is opened, /healthz is 200 again."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import OutboundMessage
from bulk.models import Batch
from core.models import Job
from tests.bulk.files import csv_bytes, person_row
from tests.factories import InsuredPersonFactory
from tests.processes import wait_for
from tests.wallet.factories import make_family
from wallet.models import Transfer, Wallet
from wallet.selectors import ledger_problems

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CST = datetime.timezone(datetime.timedelta(hours=8))


def test_with_the_broker_down_nothing_fails_and_everything_catches_up(
    processes, private_redis, operator, regions, english, settings
):
    # The cache (the SMS limits) lives in the same Redis, as in production.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    family = make_family(balance="1000.00")
    relative = InsuredPersonFactory(region=regions["chengdu"], born=datetime.date(1990, 1, 1))
    family["user"].set_password("Family-pw-2026!")
    family["user"].save()
    people = InsuredPersonFactory.create_batch(8, region=regions["chongqing"])
    user = english(Client(raise_request_exception=False))
    user.force_login(family["user"])
    admin = english(Client(raise_request_exception=False))
    admin.force_login(operator)

    private_redis.stop()  # the broker is gone

    for url in ("home", "wallet:index", "wallet:transfer", "wallet:history"):
        assert user.get(reverse(url)).status_code == 200, url
    newcomer = Client(raise_request_exception=False)
    logged_in = newcomer.post(
        reverse("login"), {"username": family["user"].username, "password": "Family-pw-2026!"}
    )
    assert logged_in.status_code == 302
    assert admin.get(reverse("admin:bulk_batch_changelist")).status_code == 200

    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST), tick=False):
        sent = user.post(
            reverse("wallet:transfer"),
            {"recipient": family["parent"].pk, "amount": "88.00", "idempotency_key": "k-1"},
        )
    assert sent.status_code == 302
    assert Transfer.objects.get().amount == 88

    # Adding a relative texts a code: the SMS limits cannot be checked, so nothing
    # is sent and the page says to try again in a minute.
    added = user.post(
        reverse("accounts:dependent_add"),
        {"national_id": relative.national_id, "name": relative.name, "relation": "sibling"},
    )
    assert added.status_code == 200
    assert "Codes cannot be sent at this moment" in added.content.decode()
    assert not OutboundMessage.objects.exists()

    upload = SimpleUploadedFile("名单.csv", csv_bytes([person_row(p) for p in people]))
    answer = admin.post(reverse("admin:bulk_batch_add"), {"file": upload})
    assert answer.status_code == 302  # the upload is taken, not a 500
    batch = Batch.objects.get()
    page = admin.get(answer["Location"]).content.decode()
    assert "Queued: the job queue is not answering at the moment." in page
    assert Job.objects.get(subject=f"bulk.Batch:{batch.pk}").status == Job.Status.PENDING

    health = user.get(reverse("healthz"))
    assert health.status_code == 503
    body = health.json()
    assert body["broker"] == (
        "the job queue (broker) does not answer: connection refused (is the server running?)"
    )
    assert body["jobs"].startswith("1 job queued since ")

    private_redis.start()  # back, empty (nothing was saved)
    processes.beat()
    processes.worker("after")
    wait_for(
        lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.CHECKED,
        90,
        "the queued check to run by itself\n" + processes.log("after"),
    )
    assert admin.post(reverse("admin:bulk_batch_confirm", args=[batch.pk])).status_code == 302
    wait_for(
        lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DONE,
        90,
        "the batch to run\n" + processes.log("after"),
    )
    assert Wallet.objects.filter(batch_ref=batch.ref).count() == 8
    health = user.get(reverse("healthz"))
    assert health.status_code == 200 and health.json()["jobs"] == "ok"
    assert ledger_problems() == []
