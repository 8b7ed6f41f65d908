"""What adding a relative can refuse (A2, A3, A6). Before any record is looked
up (check_typed): the typed ID number and the user's own record decide it, so
the answer is the same for a real relative and invented details. After
(check_record): what depends on the record, listed in RECORD_REASONS; the
service makes a blind request for those (no relative, nothing sent), so the
answer and the family page read as for a real request."""

import datetime

from django.conf import settings
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts import national_id as nid
from accounts.actions import Action
from accounts.models import AccountsPolicy, DependentBinding, InsuredPerson
from accounts.selectors import relation_of
from core import clock, ratelimit
from core.models import AuditEvent
from core.normalise import names_match
from core.reasons import Refusal

Relation = DependentBinding.Relation
OLDER_RELATIONS = {
    Relation.PARENT,
    Relation.GRANDPARENT_PATERNAL,
    Relation.GRANDPARENT_MATERNAL,
}
YOUNGER_RELATIONS = {Relation.CHILD, Relation.GRANDCHILD}
# How selectors.relation_of(person=user's person, other=relative) reads what
# the relative is to the user.
RELATION_READING: dict[str, str] = {
    Relation.SPOUSE: "spouse",
    Relation.PARENT: "parent",
    Relation.CHILD: "child",
    Relation.SIBLING: "sibling",
    Relation.GRANDPARENT_PATERNAL: "grandparent",
    Relation.GRANDPARENT_MATERNAL: "grandparent",
    Relation.GRANDCHILD: "grandchild",
}
CODE_WRONG = Action.DEPENDENT_CODE_WRONG

# Refusals that depend on what the record holds: the service makes a blind
# request for them and the page answers as it answers success ("if these
# details match a record…"), so that adding a relative is no way to learn who is
# on record (A6).
RECORD_REASONS = frozenset({"A1-01", "A2-02", "A3-07", "A3-11"})


def binding_subject(*, user, normalized: str) -> str:
    """A keyed hash of the user and the typed ID number (DependentBinding.subject):
    what "this relative" means for a request, record or not (A6). Bound to the
    user, so two logins' rows cannot be matched; keyed, so the table does not
    give the ID numbers away."""
    return salted_hmac("accounts.binding_subject", f"{user.pk}:{normalized}").hexdigest()


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
    an ID number already asked for and still open (A3-02: the user's own
    requests, blind ones included), a child without a document (A3-03); then one
    of the login's daily tries."""
    if normalized == own.national_id:
        raise Refusal("A2-04", field="national_id")
    if (relation in OLDER_RELATIONS and born >= own.birth_date) or (
        relation in YOUNGER_RELATIONS and born <= own.birth_date
    ):
        raise Refusal("A2-03", field="relation")
    open_bindings = DependentBinding.objects.filter(
        user=user, status__in=DependentBinding.OPEN_STATUSES
    )
    if open_bindings.count() >= policy.max_dependents:
        raise Refusal("A3-01", max=policy.max_dependents)
    if open_bindings.filter(subject=binding_subject(user=user, normalized=normalized)).exists():
        raise Refusal("A3-02", field="national_id")
    if _age(born) <= policy.review_age_limit and not document:
        raise Refusal("A3-03", field="document", age=policy.review_age_limit)
    per_day = settings.DEPENDENT_ADD_PER_DAY
    try:
        ratelimit.consume(ratelimit.Daily("dependent-add", f"user:{user.pk}", per_day))
    except ratelimit.Unavailable:
        raise Refusal("A1-14", field=None) from None
    except ratelimit.RateLimited:
        raise Refusal("A6-01", count=per_day) from None


def wrong_codes_today(*, user, subject: str) -> int:
    """Wrong codes this user entered today for this typed ID number, over every
    request, real or blind: withdrawing and adding the relative again gives no
    new guesses (A3), and the count is the same whether the ID number is on
    record or not (A6)."""
    midnight = timezone.make_aware(datetime.datetime.combine(clock.localdate(), datetime.time()))
    labels = (
        DependentBinding.objects.filter(user=user, subject=subject)
        .annotate(
            label=Concat(
                Value(f"{DependentBinding._meta.label}:"), Cast("pk", output_field=CharField())
            )
        )
        .values("label")
    )
    return AuditEvent.objects.filter(
        action=CODE_WRONG, actor=user, at__gte=midnight, target__in=labels
    ).count()


def check_record(
    *,
    user,
    own: InsuredPerson,
    relative: InsuredPerson | None,
    name: str,
    relation: str,
    subject: str,
    policy,
) -> bool:
    """What the record found (or not) refuses, a RECORD_REASONS code but for
    A3-02: no record or another name (A1-01), a relationship the records
    contradict (A2-02), no phone and no login to confirm with (A3-07), today's
    wrong codes for this ID number used up (A3-11). True when the request waits
    for a review (a child's document), not a code."""
    if relative is None or not names_match(name, relative.name):
        raise Refusal("A1-01", field="national_id")
    # check_typed found it by subject; a row written without one (a fixture, a
    # script) is found by its person.
    if DependentBinding.objects.filter(
        user=user, person=relative, status__in=DependentBinding.OPEN_STATUSES
    ).exists():
        raise Refusal("A3-02", field="national_id")
    recorded = relation_of(person=own, other=relative)
    if recorded is not None and recorded != RELATION_READING[relation]:
        raise Refusal("A2-02", field="relation")
    if relative.age_on(clock.localdate()) <= policy.review_age_limit:
        return True
    if not relative.phone and relative.user_id is None:
        raise Refusal("A3-07", field="national_id")
    if wrong_codes_today(user=user, subject=subject) >= policy.code_max_attempts:
        raise Refusal("A3-11", field="national_id")
    return False
