"""What adding a relative can refuse before any record is looked up (A6): the
typed ID number and the user's own record decide it, so the answer is the same
for a real relative and invented details. What depends on the record is listed
in RECORD_REASONS: the view answers those as it answers success."""

import datetime

from django.conf import settings

from accounts import national_id as nid
from accounts.models import AccountsPolicy, DependentBinding
from core import clock, ratelimit
from core.reasons import Refusal

Relation = DependentBinding.Relation
OLDER_RELATIONS = {
    Relation.PARENT,
    Relation.GRANDPARENT_PATERNAL,
    Relation.GRANDPARENT_MATERNAL,
}
YOUNGER_RELATIONS = {Relation.CHILD, Relation.GRANDCHILD}

# Refusals that depend on what the record holds: the page answers them as it
# answers success ("if these details match a record…"), so that adding a
# relative is no way to learn who is on record (A6).
RECORD_REASONS = frozenset({"A1-01", "A2-02", "A3-07", "A3-11"})


def _age(born: datetime.date) -> int:
    day = clock.localdate()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def dependent_needs_review(*, national_id: str) -> bool:
    """Whether adding the relative with this ID number waits for a document
    review (aged review_age_limit or under): read from the typed ID number's
    birth date alone, so it says nothing about the record (A6)."""
    _normalized, born, _sex = nid.parse(national_id)
    return _age(born) <= AccountsPolicy.current().review_age_limit


def check_typed(*, user, own, normalized, born, relation, policy, document) -> None:
    """What can be refused from the typed details and the user's own record
    alone, before any record is looked up (A6): the same answer whether the ID
    number is on record or invented. Oneself (A2-04), birth dates that do not
    fit (A2-03, the ID number holds the birth date), a sixth relative (A3-01),
    a child without a document (A3-03); then one of the login's daily tries."""
    if normalized == own.national_id:
        raise Refusal("A2-04", field="national_id")
    if (relation in OLDER_RELATIONS and born >= own.birth_date) or (
        relation in YOUNGER_RELATIONS and born <= own.birth_date
    ):
        raise Refusal("A2-03", field="relation")
    open_count = DependentBinding.objects.filter(
        user=user, status__in=DependentBinding.OPEN_STATUSES
    ).count()
    if open_count >= policy.max_dependents:
        raise Refusal("A3-01", max=policy.max_dependents)
    if _age(born) <= policy.review_age_limit and not document:
        raise Refusal("A3-03", field="document", age=policy.review_age_limit)
    per_day = settings.DEPENDENT_ADD_PER_DAY
    try:
        ratelimit.consume(ratelimit.Daily("dependent-add", f"user:{user.pk}", per_day))
    except ratelimit.Unavailable:
        raise Refusal("A1-14", field=None) from None
    except ratelimit.RateLimited:
        raise Refusal("A6-01", count=per_day) from None
