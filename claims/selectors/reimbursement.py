"""Reads of out-of-pocket claims (M2): the family sees its own claims only."""

from django.db.models import QuerySet
from django.http import Http404

from accounts import selectors as accounts_selectors
from claims.models import ReimbursementClaim, ReimbursementDocument


def claims_for_user(*, user) -> QuerySet[ReimbursementClaim]:
    """The claims of every person the user may act for (A3), newest first."""
    persons = accounts_selectors.persons_for_user(user=user).values("pk")
    return ReimbursementClaim.objects.filter(person__in=persons).select_related(
        "person", "facility"
    )


def claim_for_user(*, user, claim_id: int) -> ReimbursementClaim:
    """One claim of the user's family, or 404 (never 403: don't confirm it exists)."""
    found = claims_for_user(user=user).filter(pk=claim_id).first()
    if found is None:
        raise Http404
    return found


def claim_document_for_user(*, user, claim_id: int, document_id: int) -> ReimbursementDocument:
    claim = claim_for_user(user=user, claim_id=claim_id)
    found = claim.documents.filter(pk=document_id).first()
    if found is None:
        raise Http404
    return found
