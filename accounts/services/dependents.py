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
from accounts.services import codes
from accounts.services.dependent_checks import (
    CODE_WRONG,
    RECORD_REASONS,
    binding_subject,
    check_record,
    check_typed,
    dependent_needs_review,
    wrong_codes_today,
)
from accounts.services.messages import message_send
from accounts.services.relationships import relationship_create
from core import clock
from core.audit import audit_record
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


def _hash_code(binding_pk: int, code: str) -> str:
    # Keyed with SECRET_KEY and bound to the binding: a leaked table row does not
    # give the code away, and a code cannot be replayed on another binding.
    return salted_hmac("accounts.dependent_code", f"{binding_pk}:{code}").hexdigest()


def _own_person_locked(user) -> InsuredPerson:
    """The user's own record, locked: every binding change for this user queues
    behind it, so counting open bindings is race-free (A3: at most 5)."""
    person = InsuredPerson.objects.select_for_update().filter(user=user).first()
    if person is None:
        raise Refusal("A1-03")
    return person


def binding_locked(binding: DependentBinding) -> DependentBinding:
    """The binding locked, then its relative's record (none for a blind request):
    the nullable side of a join cannot be locked in the same statement."""
    locked = lock(binding)
    if locked.person_id is not None:
        locked.person = lock(InsuredPerson, locked.person_id)
    return locked


def _send_code(*, binding: DependentBinding, requester: InsuredPerson, policy) -> None:
    """Store a fresh 6-digit code (hashed) and its validity, and queue the SMS.

    The requester's own SMS limits are taken for every request, blind or not,
    and refuse visibly (A1-06, A1-07): they depend on the user alone. The
    relative's phone limits are taken quietly: a phone texted a moment ago or
    done for the day gets nothing, as a blind request does, and the requester
    reads the same either way (A6)."""
    owner = f"user:{binding.user_id}"
    codes.owner_allowance(owner=owner)
    relative = binding.person
    # Blind, or no phone (they confirm from their own login): no text.
    texted = relative is not None and relative.phone and codes.phone_allowance(phone=relative.phone)
    code = codes.new_code()
    now = clock.now()
    if binding.is_blind:
        binding.code_hash = ""  # no code can ever open a blind request
    elif texted or not binding.code_hash:
        binding.code_hash = _hash_code(binding.pk, code)
    # (A phone that got nothing keeps the code it has.)
    binding.code_expires_at = now + datetime.timedelta(minutes=policy.code_ttl_minutes)
    binding.code_sent_at = now
    binding.save(update_fields=["code_hash", "code_expires_at", "code_sent_at"])
    if not texted:
        return
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
        owner=owner,
        limits_taken=True,
    )


@transaction.atomic
def dependent_request(
    *, user, national_id: str, name: str, relation: str, document=None
) -> DependentBinding:
    """Ask to add a close relative as a dependent account (A3).

    Refuses (each next to its field), from the typed details alone: a malformed
    ID, oneself, a relationship that is not a close one or that the birth dates
    contradict, an ID number already asked for, a 6th open binding, a child
    without a document. A relative aged `review_age_limit` or under waits for
    review; an older one gets a code. What depends on the record (RECORD_REASONS:
    no record, another name, a relationship the records contradict, no phone or
    login, today's wrong codes used up) makes a blind request (A6).
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
    asked = {
        "user": user,
        "typed_name": name.strip(),
        "subject": binding_subject(user=user, normalized=normalized),
        "relation": relation,
    }
    relative = InsuredPerson.objects.select_related("region").filter(national_id=normalized).first()
    try:
        needs_review = check_record(
            user=user,
            own=own,
            relative=relative,
            name=name,
            relation=relation,
            subject=asked["subject"],
            policy=policy,
        )
    except Refusal as exc:
        if exc.code not in RECORD_REASONS:
            raise
        needs_review = dependent_needs_review(national_id=normalized)
        return _blind_request(
            asked,
            own=own,
            needs_review=needs_review,
            document=document,
            reason=exc.code,
            policy=policy,
        )

    binding = DependentBinding.objects.create(
        **asked,
        person=relative,
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


def _blind_request(
    asked: dict, *, own: InsuredPerson, needs_review: bool, document, reason: str, policy
) -> DependentBinding:
    """A request without a relative (A6): details that match no record, or a
    refusal that depends on the record, wait in the status a real request would
    (a review decided from the typed ID number's birth date, else a code with
    the same validity and the same SMS limits taken), take codes that never
    fit, expire and can be withdrawn alike; nothing is sent to anyone. Staff
    read the reason (`reason`, a RECORD_REASONS code) in the audit trail."""
    binding = DependentBinding.objects.create(
        **asked,
        person=None,
        status=Status.PENDING_REVIEW if needs_review else Status.PENDING_CODE,
        document=document if needs_review and document else "",
    )
    if not needs_review:
        _send_code(binding=binding, requester=own, policy=policy)
    audit_record(
        actor=asked["user"],
        action=Action.DEPENDENT_REQUEST,
        person=None,
        target=binding,
        details={
            "relation": binding.relation,
            "status": binding.status,
            "by": own.masked_id,
            "no_match": reason,
        },
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


def binding_activate(
    binding: DependentBinding, *, actor, how: str, refuse: str, guard=None, **changes
) -> DependentBinding:
    """Open the binding (A3) once the relationship is recorded (A2). The caller
    holds the lock (binding_locked)."""
    return transition(
        binding,
        to=Status.ACTIVE,
        actor=actor,
        action=Action.DEPENDENT_ACTIVATE,
        person=lambda b: b.person,
        locked=True,
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
    or activated); return the binding and a refusal code ("" when accepted). A
    blind request goes the same way, and no code fits it (A6)."""
    binding = binding_locked(binding)
    if binding.user_id != user.pk:
        raise PermissionDenied
    if binding.status != Status.PENDING_CODE:
        return binding, "A3-08"
    policy = AccountsPolicy.current()
    if binding.code_expires_at is None or clock.now() >= binding.code_expires_at:
        return binding, "A3-05"
    wrong_before = wrong_codes_today(user=user, subject=binding.subject)
    if wrong_before >= policy.code_max_attempts:
        _expire(binding, actor=user)
        return binding, "A3-11"
    fits = constant_time_compare(binding.code_hash, _hash_code(binding.pk, code))
    if fits and not binding.is_blind:
        binding_activate(binding, actor=user, how="code", refuse="A3-08")
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
    if binding.is_blind:
        return  # nothing was sent
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
        wrong = max(binding.code_attempts, wrong_codes_today(user=user, subject=binding.subject))
        params = {
            "A3-04": {"left": max(policy.code_max_attempts - wrong, 0)},
            "A3-05": {"minutes": policy.code_ttl_minutes},
        }.get(reason, {})
        raise Refusal(reason, field="code", **params)
    return binding


@transaction.atomic
def dependent_resend_code(*, user, binding: DependentBinding) -> DependentBinding:
    """Send a new code (the old one stops working). Wrong tries are not reset:
    they count over the whole request, so resending does not buy more guesses.
    A blind request answers the same and takes the same limits; nothing goes."""
    binding = binding_locked(binding)
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
