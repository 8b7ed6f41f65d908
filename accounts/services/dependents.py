"""Dependent accounts (亲情账户, RULES.md A3).

A user adds a close relative by ID number + name + relationship. A relative aged
`review_age_limit` (16) or under needs a document an administrator reviews; an
older relative confirms with a one-time code (sent to the SMS outbox) or from
their own portal login. On activation the relationship is recorded (A2).
"""

import datetime
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts import national_id as nid
from accounts.actions import Action
from accounts.models import (
    AccountsPolicy,
    DependentBinding,
    InsuredPerson,
    MessageKind,
    OutboundMessage,
    RelationshipKind,
)
from accounts.selectors import relation_of
from accounts.services import codes
from accounts.services.dependent_checks import (
    OLDER_RELATIONS,
    YOUNGER_RELATIONS,
    check_typed,
)
from accounts.services.messages import message_done, message_send
from accounts.services.relationships import relationship_create
from core import clock
from core.audit import audit_record
from core.normalise import names_match
from core.reasons import Refusal
from core.transitions import lock, transition

Relation = DependentBinding.Relation
Status = DependentBinding.Status

# What the relative is to the user -> (stored kind, relative is person_a). The
# relationship is stored once as "person_a is <kind> to person_b" (A2).
RELATION_STORAGE: dict[str, tuple[str, bool]] = {
    Relation.SPOUSE: (RelationshipKind.SPOUSE, True),
    Relation.PARENT: (RelationshipKind.PARENT, True),
    Relation.CHILD: (RelationshipKind.PARENT, False),
    Relation.SIBLING: (RelationshipKind.SIBLING, True),
    # Paternal or maternal is what the user declares; both are stored as
    # "grandparent" (the line does not change any rule).
    Relation.GRANDPARENT_PATERNAL: (RelationshipKind.GRANDPARENT, True),
    Relation.GRANDPARENT_MATERNAL: (RelationshipKind.GRANDPARENT, True),
    Relation.GRANDCHILD: (RelationshipKind.GRANDPARENT, False),
}
# How selectors.relation_of(person=user's person, other=relative) reads it back.
RELATION_READING: dict[str, str] = {
    Relation.SPOUSE: "spouse",
    Relation.PARENT: "parent",
    Relation.CHILD: "child",
    Relation.SIBLING: "sibling",
    Relation.GRANDPARENT_PATERNAL: "grandparent",
    Relation.GRANDPARENT_MATERNAL: "grandparent",
    Relation.GRANDCHILD: "grandchild",
}


def _hash_code(binding_pk: int, code: str) -> str:
    # Keyed with SECRET_KEY and bound to the binding: a leaked table row does not
    # give the code away, and a code cannot be replayed on another binding.
    return salted_hmac("accounts.dependent_code", f"{binding_pk}:{code}").hexdigest()


def _wrong_today(*, user, person: InsuredPerson) -> int:
    """Wrong codes this user entered for this relative today, over every request:
    withdrawing and adding the relative again gives no new guesses (A3)."""
    return codes.wrong_codes_today(action=CODE_WRONG, person=person, actor=user)


CODE_WRONG = Action.DEPENDENT_CODE_WRONG


def _own_person_locked(user) -> InsuredPerson:
    """The user's own record, locked: every binding change for this user queues
    behind it, so counting open bindings is race-free (A3: at most 5)."""
    person = InsuredPerson.objects.select_for_update().filter(user=user).first()
    if person is None:
        raise Refusal("A1-03")
    return person


def _send_code(*, binding: DependentBinding, requester: InsuredPerson, policy) -> None:
    """Store a fresh 6-digit code (hashed) and queue the SMS in the outbox, within
    the SMS limits per phone and per login (codes.sms_send)."""
    code = codes.new_code()
    now = clock.now()
    binding.code_hash = _hash_code(binding.pk, code)
    binding.code_expires_at = now + datetime.timedelta(minutes=policy.code_ttl_minutes)
    binding.code_sent_at = now
    binding.save(update_fields=["code_hash", "code_expires_at", "code_sent_at"])
    relative = binding.person
    if not relative.phone:
        return  # they confirm from their own login instead
    with translation.override("zh-hans"):  # SMS to relatives go out in Chinese
        body = _(
            "%(who)s asks to add you as a dependent account "
            "(%(relation)s). Your code is %(code)s, valid for %(minutes)d minutes. "
            "Give it only to %(who)s; if you don't know about this, ignore this message."
        ) % {
            "who": requester.name,
            "relation": binding.get_relation_display(),
            "code": code,
            "minutes": policy.code_ttl_minutes,
        }
    codes.sms_send(
        actor=binding.user,
        phone=relative.phone,
        person=relative,
        purpose="dependent_code",
        body=body,
        code=code,
        expires_at=binding.code_expires_at,
        owner=f"user:{binding.user_id}",
    )


def _check_relation(*, own: InsuredPerson, relative: InsuredPerson, relation: str) -> None:
    """A2: not oneself, not against the recorded relationship or the birth dates."""
    if relative.pk == own.pk:
        raise Refusal("A2-04", field="national_id")
    recorded = relation_of(person=own, other=relative)
    if recorded is not None and recorded != RELATION_READING[relation]:
        raise Refusal("A2-02", field="relation")
    if (relation in OLDER_RELATIONS and relative.birth_date >= own.birth_date) or (
        relation in YOUNGER_RELATIONS and relative.birth_date <= own.birth_date
    ):
        raise Refusal("A2-03", field="relation")


def _check_room(*, user, relative: InsuredPerson, policy, document) -> bool:
    """A3: room for one more binding of this relative, and what confirming it
    needs; True when it waits for a review (a child's document), not a code."""
    open_bindings = DependentBinding.objects.filter(
        user=user, status__in=DependentBinding.OPEN_STATUSES
    )
    if open_bindings.filter(person=relative).exists():
        raise Refusal("A3-02", field="national_id")
    if open_bindings.count() >= policy.max_dependents:
        raise Refusal("A3-01", max=policy.max_dependents)
    needs_review = relative.age_on(clock.localdate()) <= policy.review_age_limit
    if needs_review and not document:
        raise Refusal("A3-03", field="document", age=policy.review_age_limit)
    if not needs_review and not relative.phone and relative.user_id is None:
        raise Refusal("A3-07", field="national_id")
    if not needs_review and _wrong_today(user=user, person=relative) >= policy.code_max_attempts:
        raise Refusal("A3-11", field="national_id")
    return needs_review


@transaction.atomic
def dependent_request(
    *, user, national_id: str, name: str, relation: str, document=None
) -> DependentBinding:
    """Ask to add a close relative as a dependent account (A3).

    Refuses (each next to its field): a malformed ID, an ID and name that don't
    match (same answer for an unknown ID), oneself, a relationship that is not a
    close one or contradicts the records or the birth dates, a relative already
    added, a 6th open binding, a child without a document. A relative aged
    `review_age_limit` or under waits for review; an older one gets a code.
    """
    try:
        normalized, born, _sex = nid.parse(national_id)
    except ValidationError as exc:
        raise ValidationError({"national_id": exc.error_list}) from None
    if relation not in Relation.values:
        raise Refusal("A2-01", field="relation")
    policy = AccountsPolicy.current()
    own = _own_person_locked(user)
    check_typed(
        user=user,
        own=own,
        normalized=normalized,
        born=born,
        relation=relation,
        policy=policy,
        document=document,
    )
    relative = InsuredPerson.objects.select_related("region").filter(national_id=normalized).first()
    if relative is None or not names_match(name, relative.name):
        raise Refusal("A1-01", field="national_id")
    _check_relation(own=own, relative=relative, relation=relation)
    needs_review = _check_room(user=user, relative=relative, policy=policy, document=document)

    binding = DependentBinding.objects.create(
        user=user,
        person=relative,
        relation=relation,
        status=Status.PENDING_REVIEW if needs_review else Status.PENDING_CODE,
        document=document if needs_review and document else "",
    )
    if not needs_review:
        _send_code(binding=binding, requester=own, policy=policy)
        # The relative with a login also finds the request in their message
        # centre (not by SMS again: the code's SMS has just gone).
        message_send(
            kind=MessageKind.DELEGATION_REQUEST,
            user_ids=[relative.user_id],
            about=relative,
            facts={"requester": own.name, "relation": relation},
            link=reverse("home"),
            key=f"binding:{binding.pk}",
        )
    audit_record(
        actor=user,
        action=Action.DEPENDENT_REQUEST,
        person=relative,
        target=binding,
        details={"relation": relation, "status": binding.status, "by": own.masked_id},
    )
    return binding


def _record_relationship(binding: DependentBinding, actor) -> None:
    """A2: the relationship the user declared is recorded when the binding opens
    (a contradiction with the records refuses, A2-02)."""
    own = InsuredPerson.objects.filter(user_id=binding.user_id).first()
    if own is None:  # the login was unlinked from its record meanwhile
        raise Refusal("A1-03")
    kind, relative_first = RELATION_STORAGE[binding.relation]
    person_a, person_b = (binding.person, own) if relative_first else (own, binding.person)
    try:
        relationship_create(actor=actor, person_a=person_a, person_b=person_b, kind=kind)
    except ValidationError as exc:
        raise Refusal("A2-02") from exc


def _activate(
    binding: DependentBinding, *, actor, how: str, refuse: str, guard=None, locked=False, **changes
) -> DependentBinding:
    """Open the binding (A3) once the relationship is recorded (A2)."""
    return transition(
        binding,
        to=Status.ACTIVE,
        actor=actor,
        action=Action.DEPENDENT_ACTIVATE,
        person=lambda b: b.person,
        related=("person",),
        locked=locked,
        guard=guard,
        refuse=lambda b: Refusal(refuse),
        check=lambda b: _record_relationship(b, actor),
        changes={
            "activated_at": clock.now(),
            "code_hash": "",
            "code_expires_at": None,
            **changes,
        },
        details=lambda b: {"relation": b.relation, "how": how},
    )


@transaction.atomic
def _check_code(*, user, binding: DependentBinding, code: str) -> tuple[DependentBinding, str]:
    """Check the code and commit what happened (attempt counted, binding expired
    or activated); return the binding and a refusal code ("" when accepted)."""
    binding = lock(binding, related=("person",))
    if binding.user_id != user.pk:
        raise PermissionDenied
    if binding.status != Status.PENDING_CODE:
        return binding, "A3-08"
    policy = AccountsPolicy.current()
    if binding.code_expires_at is None or clock.now() >= binding.code_expires_at:
        return binding, "A3-05"
    wrong_before = _wrong_today(user=user, person=binding.person)
    if wrong_before >= policy.code_max_attempts:
        _expire(binding, actor=user)
        return binding, "A3-11"
    if constant_time_compare(binding.code_hash, _hash_code(binding.pk, code)):
        _activate(binding, actor=user, how="code", refuse="A3-08", locked=True)
        _redact_codes(binding)
        return binding, ""
    attempts = binding.code_attempts + 1
    details = {"attempts": attempts}
    if max(attempts, wrong_before + 1) >= policy.code_max_attempts:
        binding = transition(
            binding,
            to=Status.EXPIRED,
            actor=user,
            action=CODE_WRONG,
            person=binding.person,
            locked=True,
            changes={"code_attempts": attempts, "ended_at": clock.now(), "code_hash": ""},
            details={**details, "status": Status.EXPIRED},
        )
        _redact_codes(binding)
        # Today's guesses used up: adding the relative again waits for tomorrow.
        return binding, "A3-11" if wrong_before + 1 >= policy.code_max_attempts else "A3-06"
    # A wrong try that leaves the request waiting: counted, no status change.
    binding.code_attempts = attempts
    binding.save(update_fields=["code_attempts"])
    audit_record(
        actor=user,
        action=CODE_WRONG,
        person=binding.person,
        target=binding,
        details={**details, "status": binding.status},
    )
    return binding, "A3-04"


def _expire(binding: DependentBinding, *, actor) -> None:
    """A3: today's wrong guesses for this relative are used up (over every
    request): the request ends before the code is even compared."""
    transition(
        binding,
        to=Status.EXPIRED,
        actor=actor,
        action=Action.DEPENDENT_EXPIRE,
        person=binding.person,
        locked=True,
        changes={"ended_at": clock.now(), "code_hash": ""},
        details={"why": "wrong codes today"},
    )
    _redact_codes(binding)


def _redact_codes(binding: DependentBinding) -> None:
    """The request no longer takes a code: its texts in the outbox stop showing it."""
    for message in OutboundMessage.objects.filter(
        person=binding.person, purpose="dependent_code"
    ).exclude(code=""):
        message.redact()


def dependent_confirm_code(*, user, binding: DependentBinding, code: str) -> DependentBinding:
    """The user enters the code their relative received (A3). Wrong codes count
    (after `code_max_attempts` the request expires); a code is valid for
    `code_ttl_minutes`. The attempt is committed even when the answer is no."""
    code = "".join(unicodedata.normalize("NFKC", code or "").split())  # full-width digits
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise Refusal("A3-10", field="code")
    binding, reason = _check_code(user=user, binding=binding, code=code)
    if reason:
        policy = AccountsPolicy.current()
        wrong = max(binding.code_attempts, _wrong_today(user=user, person=binding.person))
        params = {
            "A3-04": {"left": max(policy.code_max_attempts - wrong, 0)},
            "A3-05": {"minutes": policy.code_ttl_minutes},
        }.get(reason, {})
        raise Refusal(reason, field="code", **params)
    return binding


@transaction.atomic
def dependent_resend_code(*, user, binding: DependentBinding) -> DependentBinding:
    """Send a new code (the old one stops working). Wrong tries are not reset:
    they count over the whole request, so resending does not buy more guesses."""
    binding = lock(binding, related=("person",))
    if binding.user_id != user.pk:
        raise PermissionDenied
    if binding.status != Status.PENDING_CODE:
        raise Refusal("A3-08", field="code")
    own = InsuredPerson.objects.filter(user=user).first()
    if own is None:
        raise Refusal("A1-03")
    _send_code(binding=binding, requester=own, policy=AccountsPolicy.current())
    audit_record(
        actor=user, action=Action.DEPENDENT_CODE_RESEND, person=binding.person, target=binding
    )
    return binding


def dependent_respond(*, user, binding: DependentBinding, accept: bool) -> DependentBinding:
    """The relative, logged in with their own portal user, confirms or declines a
    request to add them (A3 consent without a code)."""

    def relative_only(locked: DependentBinding) -> None:
        if locked.person.user_id != user.pk:
            raise PermissionDenied
        if locked.status != Status.PENDING_CODE:  # a child binding waits for review
            raise Refusal("A3-08")

    if accept:
        answered = _activate(
            binding, actor=user, how="relative_login", refuse="A3-08", guard=relative_only
        )
    else:
        answered = transition(
            binding,
            to=Status.REJECTED,
            actor=user,
            action=Action.DEPENDENT_DECLINE,
            person=lambda b: b.person,
            related=("person",),
            guard=relative_only,
            refuse=lambda b: Refusal("A3-08"),
            changes={
                "ended_at": clock.now(),
                "code_hash": "",
                "review_note": "declined by the relative",
            },
        )
    # The request is answered: it no longer shows as new.
    message_done(key=f"binding:{binding.pk}")
    # The one who asked hears the answer (message centre, once committed).
    message_send(
        kind=MessageKind.DELEGATION_ACCEPTED if accept else MessageKind.DELEGATION_DECLINED,
        user_ids=[answered.user_id],
        about=answered.person,
        facts={"person": answered.person.name},
        link=reverse("family") if accept else reverse("accounts:dependent_add"),
    )
    return answered


def dependent_review(
    *, actor, binding: DependentBinding, approve: bool, note: str = ""
) -> DependentBinding:
    """An administrator approves or rejects a child binding after checking the
    document (A3: relatives aged 16 or under)."""
    reviewed = {"reviewed_by": actor, "review_note": note[:200]}
    if approve:
        decided = _activate(
            binding,
            actor=actor,
            how="review",
            refuse="A3-09",
            guard=_waiting_for_review,
            **reviewed,
        )
    else:
        decided = transition(
            binding,
            to=Status.REJECTED,
            actor=actor,
            action=Action.DEPENDENT_REJECT,
            person=lambda b: b.person,
            related=("person",),
            # A code binding (an older relative) is never an administrator's to decide.
            guard=_waiting_for_review,
            refuse=lambda b: Refusal("A3-09"),
            changes={"ended_at": clock.now(), **reviewed},
            details={"note": note[:200]},
        )
    # The one who asked hears the review (message centre, once committed).
    message_send(
        kind=MessageKind.CHILD_APPROVED if approve else MessageKind.CHILD_REFUSED,
        user_ids=[decided.user_id],
        about=decided.person,
        facts={"person": decided.person.name, "note": note[:200] or "—"},
        link=reverse("family") if approve else reverse("accounts:dependent_add"),
    )
    return decided


def _waiting_for_review(binding: DependentBinding) -> None:
    if binding.status != Status.PENDING_REVIEW:
        raise Refusal("A3-09")


def dependent_end(*, actor, binding: DependentBinding) -> DependentBinding:
    """End a binding or withdraw a request, at any time (A3): by the user who
    added the relative, or by the relative from their own login. The recorded
    relationship stays (it is a fact about the two people, not about the login).
    Ending an ended binding changes nothing."""

    def either_side(locked: DependentBinding) -> None:
        if actor.pk not in (locked.user_id, locked.person.user_id):
            raise PermissionDenied

    return transition(
        binding,
        to=Status.ENDED,
        actor=actor,
        action=Action.DEPENDENT_END,
        person=lambda b: b.person,
        related=("person",),
        guard=either_side,
        changes={"ended_at": clock.now(), "code_hash": ""},
        details=lambda b: {"by": "user" if actor.pk == b.user_id else "relative"},
    )
