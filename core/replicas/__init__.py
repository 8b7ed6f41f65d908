"""Reads from a streaming replica of the database, where it is safe.

With ``REPLICA_DATABASE_URL`` set, settings.py adds the ``replica`` database,
``ReplicaRouter`` and ``ReplicaMiddleware``; without it nothing of this runs and
the portal has one database, as before.

Which reads go to the replica: only those of read-only pages, marked with
``@replica_reads`` (statements, the annual summary, the bills list, the exports)
or an admin list (any ``*_changelist`` of the admin), on GET or HEAD. Every
other page uses the primary only, and so does, on any page, every write, every
read inside a transaction or taking a row lock (``select_for_update``, and
``get_or_create`` of a settings row), and everything of logins and sessions:
what the portal decides, it decides on the primary's data.

When not even those: the person wrote something less than
``REPLICA_READ_YOUR_WRITES_SECONDS`` ago (a signed cookie set on the answer to
any form sent, which is how every change is made: they must see their own
transfer on their statement at once); the replica does not
answer; or it is more than ``REPLICA_MAX_LAG_SECONDS`` behind the primary,
measured at most every ``REPLICA_CHECK_SECONDS`` per process. A replica that
fails in the middle of a page (stopped, restarted, a query cancelled by
recovery) costs nothing but time: the page is read again from the primary.

Why a person sees their own writes: a write older than the window is older than
the largest lag the replica may have when it is read (the lag limit plus the
age of the measurement), so the replica has it; ``checks.py`` refuses settings
for which that does not hold.
"""

from core.replicas.middleware import ReplicaMiddleware
from core.replicas.routing import DEFAULT, REPLICA, ReplicaRouter, replica_reads

__all__ = ["DEFAULT", "REPLICA", "ReplicaMiddleware", "ReplicaRouter", "replica_reads"]
