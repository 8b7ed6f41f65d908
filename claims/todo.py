"""What claims leave on the administrators' to-do list (core/todo.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from claims.models import ChronicRecognition
from core import todo


@todo.register
def chronic_applications(user) -> todo.Item | None:
    """C5: applications for a chronic-disease recognition wait for a decision."""
    if not user.has_perm("claims.view_chronicrecognition"):
        return None
    pending = ChronicRecognition.objects.filter(status=ChronicRecognition.Status.PENDING)
    return todo.Item(
        label=_("Chronic-disease applications waiting for a decision"),
        count=pending.count(),
        url=reverse("admin:claims_chronicrecognition_changelist") + "?status__exact=pending",
        rule="C5",
    )
