"""Money test helpers: a family with wallets and money, built through the services."""

import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import DependentBinding, InsuranceType, Relationship
from tests.factories import InsuredPersonFactory, UserFactory, chengdu, chongqing
from wallet.models import AccountKind, MovementKind
from wallet.services.ledger import lock_accounts, person_account, post_pair, system_account_id
from wallet.services.wallets import wallet_open


def fund(person, amount) -> None:
    """Put `amount` into the person's personal account from the contribution
    source, as a contribution would (a real ledger movement)."""
    amount = Decimal(amount)
    account = person_account(person=person, kind=AccountKind.PERSONAL)
    source = system_account_id(kind=AccountKind.CONTRIBUTIONS)
    with transaction.atomic():
        lock_accounts([account.pk, source])
        post_pair(
            kind=MovementKind.CONTRIBUTION,
            out_of=source,
            into=account.pk,
            amount=amount,
            ref="test:fund",
        )


def relate(a, b, kind="parent") -> None:
    """`a` is `kind` to `b` (A2)."""
    Relationship.objects.create(person_a=a, person_b=b, kind=kind)


def bind_dependent(user, person, relation="parent") -> DependentBinding:
    return DependentBinding.objects.create(
        user=user, person=person, relation=relation, status="active"
    )


def make_family(*, balance="5000.00", open_wallets=True, username=None):
    """An employee (Chongqing, with a login and money) whose parent (a resident
    in Chengdu, Sichuan) is bound as an active dependent; a second login for the
    parent. Returns a dict with employee, parent, user, parent_user."""
    user = UserFactory(username=username) if username else UserFactory()
    parent_user = UserFactory()
    employee = InsuredPersonFactory(region=chongqing(), user=user, born=datetime.date(1985, 6, 15))
    parent = InsuredPersonFactory(
        region=chengdu(),
        user=parent_user,
        insurance_type=InsuranceType.RESIDENT,
        born=datetime.date(1958, 3, 1),
    )
    relate(parent, employee, "parent")
    bind_dependent(user, parent, "parent")
    if balance:
        fund(employee, balance)
    if open_wallets:
        wallet_open(person=employee, usage_region=employee.region, acting_user=user)
        wallet_open(person=parent, usage_region=parent.region, acting_user=user, by_proxy=True)
    return {"employee": employee, "parent": parent, "user": user, "parent_user": parent_user}
