"""Family pooling (家庭共济, P1–P5): an employee's personal account pays for bound
close relatives."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import InsuranceType, InsuredPerson, PersonStatus, Province
from accounts.selectors import relation_of
from core.audit import audit_record
from core.reasons import Refusal
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
        action="pooling.bind",
        person=employee,
        target=binding,
        details={"relative": relative.masked_id},
    )
    return binding


@transaction.atomic
def pooling_end(*, binding: PoolingBinding, acting_user, reason: str) -> PoolingBinding:
    """End a binding (P1: either side, at any time). Ending an ended binding is a
    no-op."""
    binding = PoolingBinding.objects.select_for_update().get(pk=binding.pk)
    if not binding.is_active:
        return binding
    binding.status = PoolingBinding.Status.ENDED
    binding.ended_at = timezone.now()
    binding.ended_by = acting_user if acting_user and acting_user.is_authenticated else None
    binding.end_reason = reason
    binding.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    audit_record(
        actor=acting_user,
        action="pooling.end",
        person=binding.employee,
        target=binding,
        details={"relative": binding.relative.masked_id, "reason": reason},
    )
    return binding


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
