"""A worker killed with SIGKILL in the middle of a batch: the batch resumes and
ends with every row done exactly once (W2: each chunk commits as a checkpoint)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from bulk import services
from bulk.models import Batch, BatchRow
from bulk.reasons import Outcome
from core.models import AuditEvent
from tests.factories import InsuredPersonFactory
from wallet.models import LedgerAccount, Wallet

# Fault injection with a real worker killed by SIGKILL.
pytestmark = pytest.mark.slow

WORKER = textwrap.dedent(
    """
    import time, django
    django.setup()
    from django.conf import settings
    from bulk import services
    from bulk.services import running

    settings.BULK_ACTIVATION_CHUNK = 5
    real = running.wallet_open_bulk

    def slow(**kwargs):
        opened = real(**kwargs)
        time.sleep(0.3)  # most of the job's life is inside a chunk's transaction
        return opened

    running.wallet_open_bulk = slow
    services.batch_run(batch_id={batch_id})
    """
)


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_a_consistent_checkpoint_and_the_batch_resumes(
    checked, operator, regions
):
    from wallet.defaults import ensure_defaults

    ensure_defaults()
    people = InsuredPersonFactory.create_batch(60, region=regions["chongqing"])
    batch = checked(people)
    services.batch_confirm(batch_id=batch.pk, acting_user=operator, queue_run=False)

    env = {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER.format(batch_id=batch.pk)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while Batch.objects.get(pk=batch.pk).n_activated < 10:
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.05)  # polling another process, not waiting on a clock rule
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)

    batch.refresh_from_db()
    assert batch.status == Batch.Status.RUNNING
    assert 10 <= batch.n_activated < 60 and batch.n_activated % 5 == 0
    # The checkpoint and the writes agree: the chunk being written was rolled back.
    assert Wallet.objects.count() == batch.n_activated
    assert LedgerAccount.objects.filter(kind="wallet").count() == batch.n_activated
    assert AuditEvent.objects.filter(action="wallet.open").count() == batch.n_activated
    done = BatchRow.objects.filter(batch=batch, outcome=Outcome.ACTIVATED).count()
    assert done == batch.n_activated and batch.n_ready == 60 - done

    batch = services.batch_run(batch_id=batch.pk)  # resumed
    assert batch.status == Batch.Status.DONE
    assert (batch.n_activated, batch.n_already_open, batch.n_ready) == (60, 0, 0)
    assert Wallet.objects.count() == 60
    audits = (
        AuditEvent.objects.filter(action="wallet.open").values("person").annotate(n=Count("pk"))
    )
    assert len(audits) == 60 and {row["n"] for row in audits} == {1}
