"""What claims leave on the administrators' to-do list (core/todo.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from claims.models import ChronicRecognition, Refund, ReimbursementClaim
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


@todo.register
def reimbursement_claims(user) -> list[todo.Item] | None:
    """M2, M5: out-of-pocket claims waiting for a reviewer, and approved ones
    waiting for finance to pay them."""
    if not user.has_perm("claims.view_reimbursementclaim"):
        return None
    url = reverse("admin:claims_reimbursementclaim_changelist")
    Status = ReimbursementClaim.Status
    waiting = ReimbursementClaim.objects.filter(status__in=[Status.SUBMITTED, Status.UNDER_REVIEW])
    approved = ReimbursementClaim.objects.filter(status=Status.APPROVED)
    return [
        todo.Item(
            label=_("Out-of-pocket claims waiting for review"),
            count=waiting.count(),
            url=url + "?status__in=submitted,under_review",
            rule="M2",
        ),
        todo.Item(
            label=_("Approved out-of-pocket claims waiting to be paid"),
            count=approved.count(),
            url=url + "?status__exact=approved",
            rule="M5",
        ),
    ]


@todo.register
def refunds_waiting(user) -> todo.Item | None:
    """R5: refunds above the four-eyes amount wait for a second member of staff."""
    if not user.has_perm("claims.view_refund"):
        return None
    waiting = Refund.objects.filter(status=Refund.Status.AWAITING_SECOND)
    return todo.Item(
        label=_("Refunds waiting for a second approval"),
        count=waiting.count(),
        url=reverse("admin:claims_refund_changelist") + "?status__exact=awaiting_second",
        rule="R5",
    )
