"""Answers that take the same time whatever they found (A6): a door that looks
a record up answers no sooner than a floor, so the time it took does not tell
a stranger whether the record was there."""

import contextlib
import time


@contextlib.contextmanager
def no_sooner_than(milliseconds: int):
    """Wait at the end of the block until `milliseconds` have passed since its
    start (nothing when they have already)."""
    started = time.monotonic()
    try:
        yield
    finally:
        rest = milliseconds / 1000 - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)  # the floor itself: what makes both answers alike
