"""`manage.py check` refuses replica settings under which a person could miss
their own write: the read-your-writes window must cover the largest lag a
replica may have when it is read (the lag limit plus the age of the last
measurement)."""

from django.conf import settings
from django.core.checks import Error, register

from core.replicas.routing import REPLICA


@register()
def replica_settings(app_configs, **kwargs) -> list[Error]:
    if REPLICA not in settings.DATABASES:
        return []
    window = settings.REPLICA_READ_YOUR_WRITES_SECONDS
    bound = settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS
    if window >= bound:
        return []
    return [
        Error(
            f"REPLICA_READ_YOUR_WRITES_SECONDS ({window}) is shorter than "
            f"REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS ({bound}): a person could "
            "read a page from a replica that does not have what they just wrote.",
            hint="Raise REPLICA_READ_YOUR_WRITES_SECONDS or lower the lag limit.",
            id="core.E101",
        )
    ]
