"""What bulk proxy activation leaves on the administrators' to-do list."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from bulk.admin import PERMISSION
from bulk.models import Batch
from core import clock, todo

# A batch with rows that were not opened stays on the list this long after it
# finished: long enough to be seen after a weekend, short enough not to nag.
RECENT = datetime.timedelta(days=7)


@todo.register
def failed_batches(user) -> todo.Item | None:
    """W2: batches of the past week whose file was refused or whose rows were
    not all opened (each row's reason is on the batch's page)."""
    if not (user.is_active and user.has_perm(PERMISSION)):
        return None
    since = clock.now() - RECENT
    count = Batch.objects.filter(
        Q(status=Batch.Status.REJECTED) | Q(status=Batch.Status.DONE, n_failed__gt=0),
        created_at__gte=since,
    ).count()
    return todo.Item(
        label=_("Bulk activation batches of the past week with rows not opened"),
        count=count,
        url=reverse("admin:bulk_batch_changelist"),
        rule="W2",
        level=todo.Level.PROBLEM if count else todo.Level.OK,
    )
