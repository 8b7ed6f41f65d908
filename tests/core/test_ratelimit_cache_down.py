"""The rate limiter when its cache (Redis) does not answer: the door stays shut
for a minute with a reason the caller can show, never an exception of Redis."""

import pytest

from core import ratelimit
from tests.processes import free_port


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_no_limit_can_be_checked_so_none_is_passed(cache_down):
    limits = [ratelimit.Interval("sms-phone", "13900000001", 60), ratelimit.Daily("d", "x", 10)]
    with pytest.raises(ratelimit.Unavailable) as refused:
        ratelimit.consume(*limits)
    assert 59 <= refused.value.wait_seconds <= 61
    assert isinstance(refused.value, ratelimit.RateLimited)  # callers' handling still works
    assert ratelimit.used(limits[1]) == 0  # a count shown as none, never an error
