"""Family pooling (家庭共济): an employee's personal account pays for bound close
relatives (P1 binding, P2 scope, P3 what it pays, P4 no double spending; P5:
bills settled away from home are paid the same way, see payments.py)."""

from django.db import IntegrityError, transaction

from accounts.models import InsuranceType, InsuredPerson, PersonStatus, Province
from accounts.selectors import relation_of
from core import clock
from core.audit import audit_record
from core.reasons import Refusal
from core.transitions import transition
from wallet.actions import Action
from wallet.models import PoolingBinding, WalletPolicy
from wallet.services.wallets import place_name

# P2: the 2021 scope; since 2024 (policy.pooling_all_close_relatives) all of A2.
NARROW_SCOPE = {"spouse", "parent", "child"}


def cross_province_allowed(*, a: Province, b: Province, policy: WalletPolicy) -> bool:
    """P2: pooling between two provinces follows the national setting unless a
    province overrides it; both provinces must allow it."""
    if a.pk == b.pk:
        return True
    allowed_a = (
        policy.cross_province_pooling
        if a.cross_province_pooling is None
        else a.cross_province_pooling
    )
    allowed_b = (
        policy.cross_province_pooling
        if b.cross_province_pooling is None
        else b.cross_province_pooling
    )
    return allowed_a and allowed_b


# pooling_check's `relation` when the caller has not read it.
LOOK_UP = object()


def pooling_check(
    *,
    employee: InsuredPerson,
    relative: InsuredPerson,
    policy: WalletPolicy,
    relation: str | None | object = LOOK_UP,
) -> None:
    """Raise a Refusal unless `employee` may pool for `relative` right now (P1, P2).
    Called when binding and again at every payment, so a binding that has become
    invalid (the employee's status changed, the rules changed) pays nothing.
    `relation` (what `relative` is to `employee`, None if not close relatives) is
    read here unless the caller read it with other facts (a pay-out)."""
    if employee.insurance_type != InsuranceType.EMPLOYEE or employee.status != PersonStatus.ACTIVE:
        raise Refusal("P1-01", name=employee.name)
    if relation is LOOK_UP:
        relation = relation_of(person=employee, other=relative)
    if relation is None:
        raise Refusal("P1-02", name=relative.name)
    if not policy.pooling_all_close_relatives and relation not in NARROW_SCOPE:
        raise Refusal("P2-01")
    a, b = employee.region.province, relative.region.province
    if not cross_province_allowed(a=a, b=b, policy=policy):
        raise Refusal("P2-02", a=place_name(a), b=place_name(b))


@transaction.atomic
def pooling_bind(
    *, employee: InsuredPerson, relative: InsuredPerson, acting_user
) -> PoolingBinding:
    """Bind `relative` to `employee`'s personal account (P1). Binding an already
    bound relative returns the active binding."""
    existing = PoolingBinding.objects.filter(
        employee=employee, relative=relative, status=PoolingBinding.Status.ACTIVE
    ).first()
    if existing is not None:
        return existing
    pooling_check(employee=employee, relative=relative, policy=WalletPolicy.current())
    try:
        with transaction.atomic():
            binding = PoolingBinding.objects.create(
                employee=employee,
                relative=relative,
                created_by=acting_user if acting_user and acting_user.is_authenticated else None,
            )
    except IntegrityError:
        return PoolingBinding.objects.get(
            employee=employee, relative=relative, status=PoolingBinding.Status.ACTIVE
        )
    audit_record(
        actor=acting_user,
        action=Action.POOLING_BIND,
        person=employee,
        target=binding,
        details={"relative": relative.masked_id},
    )
    return binding


def pooling_end(*, binding: PoolingBinding, acting_user, reason: str) -> PoolingBinding:
    """End a binding (P1: either side, at any time). Ending an ended binding is a
    no-op."""
    return transition(
        binding,
        to=PoolingBinding.Status.ENDED,
        actor=acting_user,
        action=Action.POOLING_END,
        person=lambda b: b.employee,
        changes={
            "ended_at": clock.now(),
            "ended_by": acting_user if acting_user and acting_user.is_authenticated else None,
            "end_reason": reason,
        },
        details=lambda b: {"relative": b.relative.masked_id, "reason": reason},
    )


@transaction.atomic
def pooling_end_for_employee(*, employee: InsuredPerson, acting_user=None) -> int:
    """P1: the employee's insurance status (or type) changed, so every binding on
    their account ends by itself. Called from the InsuredPerson save hook (see
    wallet/signals.py); payments check validity again at use time anyway."""
    bindings = list(
        PoolingBinding.objects.select_for_update().filter(
            employee=employee, status=PoolingBinding.Status.ACTIVE
        )
    )
    for binding in bindings:
        pooling_end(
            binding=binding,
            acting_user=acting_user,
            reason=PoolingBinding.EndReason.STATUS_CHANGE,
        )
    return len(bindings)
