"""Reads for money (RULES.md W, P). Access rules: a user sees money of the persons
accounts.selectors.persons_for_user gives them (themself and active dependents);
everything else answers 404."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts import authorization
from accounts.models import InsuranceType, InsuredPerson, Province, Region, Relationship
from accounts.selectors import persons_for_user
from core import clock
from core.money import CENT
from core.reads import Read
from core.sql import columns
from wallet.models import (
    AccountKind,
    LedgerAccount,
    LedgerCheck,
    LedgerEntry,
    Payment,
    PoolingBinding,
    PremiumRate,
    Transfer,
    Wallet,
    WalletPolicy,
)
from wallet.rules import hhmm, in_quiet_hours
from wallet.sql import cards as cards_sql
from wallet.sql import reconcile as reconcile_sql

ZERO = Decimal("0.00")


@dataclass
class MoneyCard:
    """What the family page and the wallet page show for one person."""

    person_id: int
    wallet: Wallet | None
    wallet_balance: Decimal
    personal_balance: Decimal | None  # None: no personal account (residents)
    pending_in: int

    @property
    def wallet_open(self) -> bool:
        return self.wallet is not None and self.wallet.is_open


_WALLET_FIELDS = columns(Wallet)
_REGION_FIELDS = columns(Region)
_PROVINCE_FIELDS = columns(Province)


def family_cards(*, persons: list) -> dict[int, MoneyCard]:
    """What the family page shows for each person's money, keyed by person id:
    wallet (and usage location), balances, transfers waiting for them. One query
    however many persons (each round trip shows in the page's time):
    wallet/sql/cards.py (compiling the ORM's query cost four times running it)."""
    if not persons:
        return {}
    return family_cards_read(persons=persons).run()


def family_cards_read(*, persons: list) -> Read:
    """family_cards as a read (core.reads.read_together: the home page reads it
    with the other apps' cards in one round trip). For at least one person."""
    params = {
        "ids": [p.pk for p in persons],
        "personal": AccountKind.PERSONAL.value,
        "wallet": AccountKind.WALLET.value,
        "pending": Transfer.State.PENDING.value,
    }
    return Read.one(cards_sql.CARDS.text, params, lambda rows: _family_cards(persons, rows))


def _family_cards(persons: list, fetched: list) -> dict[int, MoneyCard]:
    rows = {row[0]: row for row in fetched}
    db = connection.alias
    nw, nr = len(_WALLET_FIELDS), len(_REGION_FIELDS)
    cards = {}
    for person in persons:
        row = rows[person.pk]
        personal, wallet_balance, pending = row[1:4]
        wallet = None
        if row[4] is not None:
            wallet = Wallet.from_db(db, _WALLET_FIELDS, row[4 : 4 + nw])
            region = Region.from_db(db, _REGION_FIELDS, row[4 + nw : 4 + nw + nr])
            region.province = Province.from_db(db, _PROVINCE_FIELDS, row[4 + nw + nr :])
            wallet.usage_region = region
        if personal is None and person.insurance_type == InsuranceType.EMPLOYEE:
            personal = ZERO
        cards[person.pk] = MoneyCard(
            person_id=person.pk,
            wallet=wallet,
            wallet_balance=wallet_balance if wallet_balance is not None else ZERO,
            personal_balance=personal,
            pending_in=pending or 0,
        )
    return cards


def close_relatives(*, person: InsuredPerson) -> list[InsuredPerson]:
    """The person's close relatives on record (A2), both directions, by name."""
    rels = Relationship.objects.filter(Q(person_a=person) | Q(person_b=person)).values_list(
        "person_a_id", "person_b_id"
    )
    other_ids = {b if a == person.pk else a for a, b in rels}
    return list(
        InsuredPerson.objects.filter(pk__in=other_ids)
        .select_related("region__province")
        .order_by("name", "pk")
    )


@dataclass
class Allowance:
    """What a sender may still do today (the transfer form's live check)."""

    used: int
    limit: int
    left: int
    min_amount: Decimal
    max_amount: Decimal
    cap_left: Decimal | None
    quiet_start: str
    quiet_end: str
    quiet_now: bool
    pending: Transfer | None
    balance: Decimal

    @property
    def max_now(self) -> Decimal:
        most = min(self.max_amount, self.balance)
        if self.cap_left is not None:
            most = min(most, self.cap_left)
        return max(most, ZERO)

    @property
    def can_send(self) -> bool:
        if self.pending is not None or self.quiet_now or self.left <= 0:
            return False
        return self.max_now >= self.min_amount


def transfer_allowance(*, sender: InsuredPerson, now=None) -> Allowance:
    """How many transfers `sender` has left today (W6), up to how much, whether the
    quiet hours (W7) or a pending transfer (W8) stop them now. Three queries."""
    policy = WalletPolicy.current()
    local = timezone.localtime(now or clock.now())
    today = Transfer.objects.filter(sender=sender, local_day=local.date()).aggregate(
        n=Count("pk"), total=Coalesce(Sum("amount"), ZERO)
    )
    pending = None
    if policy.one_pending:
        pending = (
            Transfer.objects.filter(sender=sender, state=Transfer.State.PENDING)
            .select_related("recipient")
            .first()
        )
    balance = (
        LedgerAccount.objects.filter(person=sender, kind=AccountKind.PERSONAL)
        .values_list("balance", flat=True)
        .first()
    ) or ZERO
    cap_left = None
    if policy.daily_amount_cap is not None:
        cap_left = max(policy.daily_amount_cap - today["total"], ZERO)
    return Allowance(
        used=today["n"],
        limit=policy.daily_count,
        left=max(policy.daily_count - today["n"], 0),
        min_amount=policy.min_amount,
        max_amount=policy.max_amount,
        cap_left=cap_left,
        quiet_start=hhmm(policy.quiet_start),
        quiet_end=hhmm(policy.quiet_end),
        quiet_now=in_quiet_hours(policy=policy, local=local),
        pending=pending,
        balance=balance,
    )


def pending_for_user(*, user) -> QuerySet[Transfer]:
    """Transfers waiting for the user to accept: sent to their own record only,
    as only the recipient decides on money sent to them (A8)."""
    mine = persons_for_user(user=user, action=authorization.DECIDE_TRANSFER)
    return (
        Transfer.objects.filter(recipient__in=mine, state=Transfer.State.PENDING)
        .select_related("sender", "recipient")
        .order_by("created_at", "pk")
    )


def transfer_for_recipient(*, user, transfer_id) -> Transfer:
    """A transfer the user may accept or decline, or 404: one sent to their own
    record. A delegate does not decide on money sent to the relative (A8)."""
    mine = persons_for_user(user=user, action=authorization.DECIDE_TRANSFER)
    try:
        return Transfer.objects.select_related("recipient", "sender").get(
            pk=transfer_id, recipient__in=mine
        )
    except (Transfer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def transfers_history(
    *,
    user,
    person_id: int | None = None,
    direction: str = "",
    state: str = "",
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
) -> QuerySet[Transfer]:
    """Transfers sent or received by the user's persons, newest first, filtered."""
    mine = persons_for_user(user=user)
    if person_id:
        mine = mine.filter(pk=person_id)
    ids = list(mine.values_list("pk", flat=True))
    if direction == "sent":
        qs = Transfer.objects.filter(sender_id__in=ids)
    elif direction == "received":
        qs = Transfer.objects.filter(recipient_id__in=ids)
    else:
        qs = Transfer.objects.filter(Q(sender_id__in=ids) | Q(recipient_id__in=ids))
    if state:
        qs = qs.filter(state=state)
    if day_from:
        qs = qs.filter(local_day__gte=day_from)
    if day_to:
        qs = qs.filter(local_day__lte=day_to)
    return qs.select_related("sender", "recipient").order_by("-created_at", "-pk")


def pooling_for_user(*, user) -> QuerySet[PoolingBinding]:
    """Active pooling bindings where the employee or the relative is the user's
    own record (either side may end them, P1; a delegate may not, A8)."""
    mine = persons_for_user(user=user, action=authorization.POOLING_END)
    return (
        PoolingBinding.objects.filter(status=PoolingBinding.Status.ACTIVE)
        .filter(Q(employee__in=mine) | Q(relative__in=mine))
        .select_related("employee", "relative")
        .order_by("-created_at", "-pk")
    )


def pooling_binding_for_user(*, user, binding_id) -> PoolingBinding:
    try:
        return pooling_for_user(user=user).get(pk=binding_id)
    except (PoolingBinding.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def ledger_problems() -> list[str]:
    """Reconcile the ledger (W10); an empty list means it is right to the fen:
    every stored balance equals the sum of its entries, every movement is a pair
    summing to zero, all balances sum to zero, and the holding accounts hold
    exactly the pending transfers."""
    problems = []
    accounts = (
        LedgerAccount.objects.annotate(total=Coalesce(Sum("entries__amount"), ZERO))
        .values_list("pk", "kind", "balance", "total")
        .order_by("pk")
    )
    grand_total = ZERO
    for pk, kind, balance, total in accounts.iterator(chunk_size=5000):
        total = Decimal(total).quantize(CENT)
        grand_total += total
        if Decimal(balance).quantize(CENT) != total:
            problems.append(f"account {pk} ({kind}): balance {balance} but entries sum to {total}")
    if grand_total != 0:
        problems.append(f"all entries sum to {grand_total}, not 0")
    movements = (
        LedgerEntry.objects.values("movement")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .exclude(n=2, total=0)
        .values_list("movement", "n", "total")
    )
    for movement, n, total in movements[:100]:
        problems.append(f"movement {movement}: {n} entries summing to {total}")
    return problems + _holding_problems()


def ledger_problems_since(since: int) -> tuple[list[str], list[int]]:
    """The incremental reconciliation (W10) from a clean checkpoint: every
    account with entries after entry `since` holds what its entries add up to
    (the checkpoint's total plus the entries since), every movement since is a
    pair summing to zero, and the holding accounts hold exactly the pending
    transfers; so does every account whose balance changed since (noted by the
    database, entries or not). Reads the entries since the checkpoint, not the
    whole ledger. Returns the problems and the accounts checked."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(reconcile_sql.ACCOUNTS_SINCE.text, {"since": since})
        rows = cursor.fetchall()
        cursor.execute(reconcile_sql.MOVEMENTS_SINCE.text, {"since": since})
        movements = cursor.fetchall()
    for pk, kind, balance, total in rows:
        total = Decimal(total).quantize(CENT)
        if Decimal(balance).quantize(CENT) != total:
            problems.append(f"account {pk} ({kind}): balance {balance} but entries sum to {total}")
    for movement, n, total in movements:
        problems.append(f"movement {movement}: {n} entries summing to {total}")
    return problems + _holding_problems(), [row[0] for row in rows]


def _holding_problems() -> list[str]:
    problems = []
    holding = dict(
        # person=None: the system accounts' index (the kind alone reads every account).
        LedgerAccount.objects.filter(kind=AccountKind.HOLDING, person=None).values_list(
            "pk", "balance"
        )
    )
    pending = dict(
        Transfer.objects.filter(state=Transfer.State.PENDING)
        .values("holding_account_id")
        .annotate(total=Sum("amount"))
        .values_list("holding_account_id", "total")
    )
    for pk in sorted(set(holding) | set(pending)):
        held = Decimal(holding.get(pk, ZERO)).quantize(CENT)
        owed = Decimal(pending.get(pk) or ZERO).quantize(CENT)
        if held != owed:
            problems.append(f"holding account {pk} holds {held} but pending transfers total {owed}")
    return problems


@dataclass
class PremiumDue:
    year: int
    amount: Decimal | None  # None: no rate set for the region and year
    paid: Payment | None


def premiums_due(*, persons: list, year: int) -> dict[int, PremiumDue]:
    """The resident premium of `year` for each resident among `persons` (P3,
    W11): the amount (a setting per region and year) and the payment if already
    paid. Two queries."""
    residents = [p for p in persons if p.insurance_type == InsuranceType.RESIDENT]
    if not residents:
        return {}
    rates = PremiumRate.by_region(region_ids={p.region_id for p in residents}, year=year)
    refs = {f"premium:{p.pk}:{year}": p.pk for p in residents}
    paid = {refs[pay.reference]: pay for pay in Payment.objects.filter(reference__in=refs)}
    return {
        p.pk: PremiumDue(
            year=year,
            amount=rates[p.region_id].amount if p.region_id in rates else None,
            paid=paid.get(p.pk),
        )
        for p in residents
    }


def ledger_check_latest(*, trigger: str | None = None) -> LedgerCheck | None:
    """The latest recorded ledger reconciliation (nightly job or command, or
    only those run by `trigger`)."""
    checks = (
        LedgerCheck.objects.all()
        if trigger is None
        else LedgerCheck.objects.filter(trigger=trigger)
    )
    return checks.order_by("-started_at", "-pk").first()


def premium_payable_ids(*, user, persons) -> set[int]:
    """Of `persons`, the ids whose premium the user may pay (the rule of
    premium_person_for_user): their own record, and relatives they pay for
    through family pooling. At most one query."""
    own = {p.pk for p in persons if p.user_id == user.pk}
    others = [p.pk for p in persons if p.pk not in own]
    if not others:
        return own
    paid_for = PoolingBinding.objects.filter(
        employee__user=user, status=PoolingBinding.Status.ACTIVE, relative_id__in=others
    ).values_list("relative_id", flat=True)
    return own | set(paid_for)


def premium_person_for_user(*, user, person_id) -> InsuredPerson:
    """A person whose premium the user may pay (W11, P3), or 404: their own
    record, or a relative whose pooling payer they are (the money is theirs).
    A delegate does not spend the relative's wallet (A8)."""
    mine = persons_for_user(user=user, action=authorization.PAY_PREMIUM)
    paid_for = PoolingBinding.objects.filter(
        employee__in=mine, status=PoolingBinding.Status.ACTIVE
    ).values("relative_id")
    try:
        return (
            InsuredPerson.objects.select_related("region__province")
            .filter(Q(pk__in=mine) | Q(pk__in=paid_for))
            .get(pk=person_id)
        )
    except (InsuredPerson.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
