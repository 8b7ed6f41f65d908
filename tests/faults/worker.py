"""A real Celery worker of the portal, run as its own process by the fault tests
(python -m tests.faults.worker NAME), with two test-only knobs read from the
environment so a kill -9 lands in the middle of a job:

FAULT_SLOW_SECONDS  pause after each chunk of a bulk batch, each chunk of the
                    morning sweep and each chunk of a background settlement
FAULT_CHUNK         rows per bulk chunk, transfers per sweep chunk and bills per
                    settlement chunk
"""

import os
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402

slow = float(os.environ.get("FAULT_SLOW_SECONDS", "0"))
chunk = int(os.environ.get("FAULT_CHUNK", "0"))

if chunk:
    from wallet.services import sweep

    settings.BULK_ACTIVATION_CHUNK = chunk
    settings.BILLS_SETTLE_CHUNK = chunk
    sweep.transfers_sweep.__kwdefaults__["chunk_size"] = chunk

if slow:
    import bulk.services.running as running
    import claims.services.bills as claims_bills
    from wallet.services import sweep

    def slowed(function):
        def pause_after(*args, **kwargs):
            result = function(*args, **kwargs)
            time.sleep(slow)  # the job's life is mostly between checkpoints
            return result

        return pause_after

    running.wallet_open_bulk = slowed(running.wallet_open_bulk)
    sweep._sweep_chunk = slowed(sweep._sweep_chunk)
    claims_bills._settle = slowed(claims_bills._settle)

from portal.celery import app  # noqa: E402

app.worker_main(
    [
        "worker",
        "--loglevel=INFO",
        "--pool=prefork",
        "--concurrency=1",
        "--without-mingle",
        "--without-gossip",
        "-n",
        f"{sys.argv[1] if len(sys.argv) > 1 else 'fault'}@%h",
    ]
)
