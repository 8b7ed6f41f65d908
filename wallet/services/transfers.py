"""Wallet transfers (W4–W9): create, accept, decline.

Money path: sender's personal account → holding account (at create) → recipient's
wallet (accept), or back to the sender (decline, morning sweep). Every limit is
read from WalletPolicy and checked inside the transaction that holds the lock on
the sender's account, so concurrent requests from one sender are serialised and
the daily count, the one-pending rule and the balance are decided on fresh data.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import InsuranceType, InsuredPerson, MessageKind, PersonStatus, Province
from accounts.services import message_done, message_send
from core import clock
from core.audit import audit_row
from core.money import AmountError, TooLarge, yuan
from core.money import parse_amount as parse_money
from core.reasons import Refusal
from core.transitions import lock, transition
from wallet.actions import Action
from wallet.models import (
    AccountKind,
    MovementKind,
    Transfer,
    Wallet,
    WalletPolicy,
)
from wallet.rules import due_back_at, hhmm, in_quiet_hours
from wallet.services.ledger import lock_accounts, post_pair
from wallet.services.transfer_io import Facts, Seen, load_facts_and_seen, write_transfer
from wallet.services.wallets import place_name


def parse_amount(value, *, policy: WalletPolicy | None = None) -> Decimal:
    """A yuan amount with at most two decimals (W6), or a Refusal that says what
    an amount looks like and the range allowed (core.money.parse_amount reads it:
    full-width digits and grouped thousands yes, exponents and NaN never)."""
    try:
        return parse_money(value)
    except TooLarge:
        policy = policy or WalletPolicy.current()
        raise Refusal("W6-02", max=yuan(policy.max_amount)) from None
    except AmountError:
        policy = policy or WalletPolicy.current()
        raise Refusal("W6-05", min=yuan(policy.min_amount), max=yuan(policy.max_amount)) from None


def transfer_create(
    *,
    sender: InsuredPerson,
    recipient: InsuredPerson,
    amount,
    idempotency_key: str,
    acting_user,
    source: str = Transfer.Source.PERSONAL,
    at: datetime.datetime | None = None,
) -> Transfer:
    """Send `amount` from `sender`'s personal account to `recipient`'s wallet; the
    money waits in the holding account until the recipient accepts (W8).

    Rules, each a Refusal naming it: W4 (sender an active employee with an open
    wallet and enough money), W5 (a close relative, A2, with an open wallet in a
    live region), W6 (amount between the minimum and maximum, at most N a day —
    declined and returned ones count — and the optional daily cap), W7 (quiet
    hours), W8 (one pending at a time, also a partial unique constraint), W11
    (received money is not sent on unless the setting allows it).

    Idempotent: the same `idempotency_key` for the same sender returns the
    transfer made the first time (unique constraint), however the requests race.

    `at`: when it was made, for a transfer recorded as it happened earlier (the
    demo's story); every rule is checked at that moment. By default now.
    """
    if not idempotency_key:
        raise ValueError("a transfer needs an idempotency key")
    now = at or clock.now()
    day = timezone.localtime(now).date()
    from_kind = AccountKind.WALLET if source == Transfer.Source.WALLET else AccountKind.PERSONAL
    try:
        amount = parse_amount(amount)
        with transaction.atomic():
            # Everything is decided under the lock on the sender's paying account,
            # so concurrent requests of one sender are decided one after another.
            facts, seen = load_facts_and_seen(
                sender=sender,
                recipient=recipient,
                from_kind=from_kind,
                idempotency_key=idempotency_key,
                day=day,
            )
            if seen.same_key is not None:
                return Transfer.objects.get(pk=seen.same_key)
            _check(
                facts=facts,
                seen=seen,
                sender=sender,
                recipient=recipient,
                amount=amount,
                source=source,
                now=now,
            )
            transfer = write_transfer(
                transfer=Transfer(
                    sender=sender,
                    recipient=recipient,
                    amount=amount,
                    source=source,
                    from_account_id=facts.from_id,
                    holding_account_id=facts.holding_id,
                    to_account_id=facts.to_id,
                    idempotency_key=idempotency_key,
                    created_at=now,
                    created_by=acting_user
                    if acting_user and acting_user.is_authenticated
                    else None,
                    local_day=day,
                    due_back_at=due_back_at(policy=facts.policy, local_day=day),
                    single_pending=facts.policy.one_pending,
                ),
                # Written in the same statement as the transfer (PostgreSQL).
                audit=audit_row(
                    actor=acting_user,
                    action=Action.TRANSFER_CREATE,
                    person=sender,
                    details={"to": recipient.masked_id, "amount": str(amount)},
                ),
            )
            # The recipient and whoever looks after them hear of it (once it commits).
            message_send(
                kind=MessageKind.TRANSFER_WAITING,
                to_family_of=recipient,
                exclude=acting_user,
                facts={"sender": sender.name, "recipient": recipient.name, "amount": amount},
                link=reverse("wallet:index") + "#pending",
                important=True,
                key=f"transfer:{transfer.pk}",
            )
            return transfer
    except Refusal:
        # A retry of a request that went through (after 22:00, say) still gets
        # its transfer back rather than a refusal.
        existing = Transfer.objects.filter(sender=sender, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        raise
    except IntegrityError:
        # A request with the same key (or another pending transfer, W8) committed
        # between our check and our insert: answer as if we had come second.
        existing = Transfer.objects.filter(sender=sender, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        pending = (
            Transfer.objects.filter(sender=sender, state=Transfer.State.PENDING)
            .values_list("pk", flat=True)
            .first()
        )
        if pending is not None:
            _refuse_pending(pending)
        raise


def _check(*, facts: Facts, seen: Seen, sender, recipient, amount, source, now) -> None:
    """Every rule of a transfer create, in the order a user would want to hear
    them; raises the first Refusal."""
    _check_amount_and_hour(policy=facts.policy, amount=amount, now=now)
    _check_sender(facts=facts, sender=sender, source=source)
    _check_recipient(facts=facts, sender=sender, recipient=recipient)
    _check_today(policy=facts.policy, seen=seen, amount=amount)
    if facts.balance < amount:
        raise Refusal("W4-04", balance=yuan(facts.balance), amount=yuan(amount))


def _check_amount_and_hour(*, policy, amount, now) -> None:
    if amount < policy.min_amount:
        raise Refusal("W6-01", min=yuan(policy.min_amount))
    if amount > policy.max_amount:
        raise Refusal("W6-02", max=yuan(policy.max_amount))
    if in_quiet_hours(policy=policy, local=timezone.localtime(now)):
        raise Refusal("W7-01", start=hhmm(policy.quiet_start), end=hhmm(policy.quiet_end))


def _check_sender(*, facts: Facts, sender, source) -> None:
    if sender.insurance_type != InsuranceType.EMPLOYEE:
        raise Refusal("W4-01")
    if sender.status != PersonStatus.ACTIVE:
        raise Refusal("W4-02")
    if source == Transfer.Source.WALLET and not facts.policy.received_money_sendable:
        raise Refusal("W11-01")
    if not facts.sender_wallet_open:
        raise Refusal("W4-03")


def _check_recipient(*, facts: Facts, sender, recipient) -> None:
    if recipient.pk == sender.pk or not facts.related:
        raise Refusal("W5-01")
    if facts.recipient_wallet_live is None:
        raise Refusal("W5-02", name=recipient.name)
    if not facts.recipient_wallet_live:
        province = Province.objects.get(pk=facts.recipient_province_id)
        raise Refusal("W5-03", name=recipient.name, province=place_name(province))


def _check_today(*, policy, seen: Seen, amount) -> None:
    if seen.today >= policy.daily_count:
        raise Refusal("W6-03", count=policy.daily_count)
    if policy.daily_amount_cap is not None:
        left = max(policy.daily_amount_cap - seen.today_sum, Decimal(0))
        if amount > left:
            raise Refusal("W6-04", cap=yuan(policy.daily_amount_cap), left=yuan(left))
    if policy.one_pending and seen.pending is not None:
        _refuse_pending(seen.pending)


def _refuse_pending(transfer_id: int):
    name = Transfer.objects.filter(pk=transfer_id).values_list("recipient__name", flat=True).first()
    raise Refusal("W8-01", name=name or "")


# What the sender hears when a transfer is decided (the message centre).
SETTLED_MESSAGES = {
    Transfer.State.ACCEPTED: MessageKind.TRANSFER_ACCEPTED,
    Transfer.State.DECLINED: MessageKind.TRANSFER_DECLINED,
    Transfer.State.RETURNED: MessageKind.TRANSFER_RETURNED,
}


def _settle(*, transfer: Transfer, state: str, acting_user, now) -> Transfer:
    """Decide a locked pending transfer: its money leaves the holding account for
    the recipient's wallet (accepted) or goes back where it came from (declined,
    returned), in the transition that records the decision and its audit row."""
    if state == Transfer.State.ACCEPTED:
        kind, into = MovementKind.TRANSFER_ACCEPT, transfer.to_account_id
    elif state == Transfer.State.DECLINED:
        kind, into = MovementKind.TRANSFER_DECLINE, transfer.from_account_id
    else:
        kind, into = MovementKind.TRANSFER_RETURN, transfer.from_account_id

    def move_money(locked: Transfer) -> None:
        lock_accounts([locked.holding_account_id, into])
        post_pair(
            kind=kind,
            out_of=locked.holding_account_id,
            into=into,
            amount=locked.amount,
            ref=f"transfer:{locked.pk}",
            at=now,
        )

    decided = transition(
        transfer,
        to=state,
        actor=acting_user,
        action=Action(f"transfer.{state}"),
        person=transfer.recipient if state != Transfer.State.RETURNED else transfer.sender,
        locked=True,
        refuse=lambda t: Refusal("W8-02", state=t.get_state_display()),
        check=move_money,
        changes={
            "decided_at": now,
            "decided_by": acting_user if acting_user and acting_user.is_authenticated else None,
        },
        details={"amount": str(transfer.amount)},
    )
    # The waiting message is answered: it no longer shows as new to anybody.
    message_done(key=f"transfer:{transfer.pk}")
    # The login that sent the money hears what became of it (the sender's own
    # login if it was sent otherwise), as the morning sweep tells it.
    message_send(
        kind=SETTLED_MESSAGES[state],
        user_ids=[transfer.created_by_id or transfer.sender.user_id],
        about=transfer.sender,
        exclude=acting_user,
        facts={"recipient": transfer.recipient.name, "amount": transfer.amount},
        link=reverse("wallet:history"),
    )
    return decided


def _decide(*, transfer_id: int, acting_user, accept: bool) -> tuple[Transfer, bool]:
    now = clock.now()
    with transaction.atomic():
        # The transfer row is locked first, then the accounts (pk order): the
        # same order as the sweep, which locks transfers before accounts.
        transfer = lock(Transfer, transfer_id)
        if transfer.state != Transfer.State.PENDING:
            raise Refusal("W8-02", state=transfer.get_state_display())
        if now >= transfer.due_back_at:
            # Past the sweep time: the rule says it is back with the sender,
            # whether or not the morning job has run yet.
            _settle(transfer=transfer, state=Transfer.State.RETURNED, acting_user=None, now=now)
            return transfer, True
        if (
            accept
            and not Wallet.objects.filter(
                person_id=transfer.recipient_id, status=Wallet.Status.OPEN
            ).exists()
        ):
            raise Refusal("W5-02", name=transfer.recipient.name)
        state = Transfer.State.ACCEPTED if accept else Transfer.State.DECLINED
        _settle(transfer=transfer, state=state, acting_user=acting_user, now=now)
        return transfer, False


def transfer_accept(*, transfer_id: int, acting_user) -> Transfer:
    """The recipient (or a user holding them as a dependent, checked by the view)
    accepts: the money moves from the holding account into their wallet (W8).
    Too late (past 06:00 on the next day, W9) it goes back to the sender instead
    and the accept is refused."""
    transfer, returned = _decide(transfer_id=transfer_id, acting_user=acting_user, accept=True)
    if returned:
        raise Refusal("W9-01", time=hhmm(WalletPolicy.current().sweep_at))
    return transfer


def transfer_decline(*, transfer_id: int, acting_user) -> Transfer:
    """The recipient declines: the money goes back to the sender at once (W8)."""
    transfer, _returned = _decide(transfer_id=transfer_id, acting_user=acting_user, accept=False)
    return transfer
