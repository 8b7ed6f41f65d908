"""Answers to a request to add a relative, and endings (A3): the relative's
own yes or no from their login, an administrator's review of a child's
document, and either side ending a binding or withdrawing a request. A blind
request (no record matched, A6) is withdrawn or rejected like any other and is
never opened."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from accounts.actions import Action
from accounts.models import DependentBinding, MessageKind
from accounts.services.dependents import binding_activate, binding_locked
from accounts.services.messages import message_done, message_send
from core import clock
from core.reasons import Refusal
from core.transitions import transition

Status = DependentBinding.Status


@transaction.atomic
def dependent_respond(*, user, binding: DependentBinding, accept: bool) -> DependentBinding:
    """The relative, logged in with their own portal user, confirms or declines a
    request to add them (A3 consent without a code)."""
    binding = binding_locked(binding)
    if binding.person is None or binding.person.user_id != user.pk:
        raise PermissionDenied
    if accept:
        answered = binding_activate(
            binding, actor=user, how="relative_login", refuse="A3-08", guard=_waiting_for_code
        )
    else:
        answered = transition(
            binding,
            to=Status.REJECTED,
            actor=user,
            action=Action.DEPENDENT_DECLINE,
            person=binding.person,
            locked=True,
            guard=_waiting_for_code,
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
        facts={"person": answered.shown_name},
        link=reverse("family") if accept else reverse("accounts:dependent_add"),
    )
    return answered


def _waiting_for_code(binding: DependentBinding) -> None:
    if binding.status != Status.PENDING_CODE:  # a child binding waits for review
        raise Refusal("A3-08")


@transaction.atomic
def dependent_review(
    *, actor, binding: DependentBinding, approve: bool, note: str = ""
) -> DependentBinding:
    """An administrator approves or rejects a child binding after checking the
    document (A3: relatives aged 16 or under). A blind request (no record
    matched, A6) can only be rejected (A3-12)."""
    binding = binding_locked(binding)
    reviewed = {"reviewed_by": actor, "review_note": note[:200]}
    if approve:
        decided = binding_activate(
            binding,
            actor=actor,
            how="review",
            refuse="A3-09",
            guard=_approvable,
            **reviewed,
        )
    else:
        decided = transition(
            binding,
            to=Status.REJECTED,
            actor=actor,
            action=Action.DEPENDENT_REJECT,
            person=binding.person,
            locked=True,
            # A code binding (an older relative) is never an administrator's to decide.
            guard=_waiting_for_review,
            refuse=lambda b: Refusal("A3-09"),
            changes={"ended_at": clock.now(), **reviewed},
            details={"note": note[:200]},
        )
    # The one who asked hears the review (message centre, once committed), under
    # the name they typed unless the child is now on their page (A6).
    message_send(
        kind=MessageKind.CHILD_APPROVED if approve else MessageKind.CHILD_REFUSED,
        user_ids=[decided.user_id],
        about=decided.person,
        facts={"person": decided.shown_name, "note": note[:200] or "—"},
        link=reverse("family") if approve else reverse("accounts:dependent_add"),
    )
    return decided


def _waiting_for_review(binding: DependentBinding) -> None:
    if binding.status != Status.PENDING_REVIEW:
        raise Refusal("A3-09")


def _approvable(binding: DependentBinding) -> None:
    _waiting_for_review(binding)
    if binding.is_blind:
        raise Refusal("A3-12")


@transaction.atomic
def dependent_end(*, actor, binding: DependentBinding) -> DependentBinding:
    """End a binding or withdraw a request, at any time (A3): by the user who
    added the relative, or by the relative from their own login. The recorded
    relationship stays (it is a fact about the two people, not about the login).
    Ending an ended binding changes nothing. A blind request is withdrawn alike."""
    binding = binding_locked(binding)
    relative_login = binding.person.user_id if binding.person is not None else None
    if actor.pk not in (binding.user_id, relative_login):
        raise PermissionDenied
    return transition(
        binding,
        to=Status.ENDED,
        actor=actor,
        action=Action.DEPENDENT_END,
        person=binding.person,
        locked=True,
        changes={"ended_at": clock.now(), "code_hash": ""},
        details={"by": "user" if actor.pk == binding.user_id else "relative"},
    )
