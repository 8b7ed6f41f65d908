"""The ledger (W10): accounts and their append-only entry pairs.

The ledger in one paragraph
---------------------------
Every yuan lives in a ``LedgerAccount``. Internal accounts hold the families'
money: each employee's personal account (个人账户), each wallet (医保钱包) and the
pending-transfers holding account (sharded, see ``HOLDING_SHARDS``). External
accounts stand for the world outside: the contribution source (money coming in)
and the sinks for settled medical bills and premiums (money going out).

Every movement is a *pair* of append-only ``LedgerEntry`` rows written in one
database transaction: one entry takes the amount out of an account (negative
``amount``) and the other puts it into another account (positive ``amount``), so
each movement sums to zero. An account's ``balance`` is the sum of its entries,
stored on the row for speed and updated with ``F()`` expressions in the same
transaction as the entries (``manage.py ledger_check`` recomputes it).

Sign convention, and why the external accounts carry opposite signs: since every
movement sums to zero, the balances of *all* accounts always sum to zero. The
contribution source gives money, so its balance is negative: minus everything ever
contributed. The bill and premium sinks receive money, so their balances are
positive: everything ever paid out. Internal accounts can never go below zero. The
database enforces both with ``ledger_account_balance_sign`` (internal and sinks
≥ 0, the source ≤ 0), the last line of defence behind the services' checks. W10
(conservation) then reads: personal accounts + wallets + holding
= −source − sinks, i.e. contributions in minus payments out.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson
from core import clock
from core.money import money_field, yuan

# The pending-transfers holding account is split into this many rows, chosen by
# the sender (sender id modulo HOLDING_SHARDS). One row would be updated by every
# transfer create, accept, decline and sweep and so serialise all senders on one
# row lock; with shards, two transfers only wait for each other when their
# senders share a shard. Existing transfers remember their shard, so the number
# may be changed at any time.
HOLDING_SHARDS = 64

# The external sinks (settled bills, premiums) are sharded the same way, by the
# person paid for (person id modulo SINK_SHARDS): every pay-out updates its sink's
# balance, so with one row all pay-outs (the settlement of every bill with a
# personal part) would queue on one row lock. A sink's total is the sum of its
# shards; ledger_check needs nothing special (every row is an account). Payments
# remember their accounts in their ledger entries, so the number may change.
SINK_SHARDS = 64


class AccountKind(models.TextChoices):
    PERSONAL = "personal", _("personal account")
    WALLET = "wallet", _("wallet")
    HOLDING = "holding", _("pending transfers")
    CONTRIBUTIONS = "contributions", _("contributions (source)")
    BILLS = "bills", _("settled medical bills")
    PREMIUMS = "premiums", _("insurance premiums")


PERSON_KINDS = (AccountKind.PERSONAL, AccountKind.WALLET)
INTERNAL_KINDS = (AccountKind.PERSONAL, AccountKind.WALLET, AccountKind.HOLDING)
SOURCE_KINDS = (AccountKind.CONTRIBUTIONS,)
SINK_KINDS = (AccountKind.BILLS, AccountKind.PREMIUMS)


class LedgerAccount(models.Model):
    """One account of the ledger. Person accounts (personal, wallet) belong to an
    insured person; system accounts (holding, external) have no person and are
    told apart by ``shard`` (0 except for the holding account and the sinks)."""

    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("insured person"),
        db_index=False,  # covered by ledger_account_one_per_person_kind
    )
    shard = models.PositiveSmallIntegerField(_("shard"), default=0)
    balance = money_field(_("balance"), default=0)
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(person__isnull=False),
                name="ledger_account_one_per_person_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "shard"],
                condition=Q(person__isnull=True),
                name="ledger_system_account_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PERSON_KINDS, person__isnull=False)
                | (~Q(kind__in=PERSON_KINDS) & Q(person__isnull=True)),
                name="ledger_account_person_iff_person_kind",
            ),
            # See the module docstring: internal accounts and sinks never go below
            # zero, the contribution source never above.
            models.CheckConstraint(
                condition=Q(kind__in=SOURCE_KINDS, balance__lte=0)
                | (~Q(kind__in=SOURCE_KINDS) & Q(balance__gte=0)),
                name="ledger_account_balance_sign",
            ),
        ]

    def __str__(self) -> str:
        if self.person_id is not None:
            return f"{self.get_kind_display()}: {self.person.name}"
        if self.kind == AccountKind.HOLDING:
            return f"{self.get_kind_display()} #{self.shard}"
        return str(self.get_kind_display())

    @property
    def is_internal(self) -> bool:
        return self.kind in INTERNAL_KINDS


class MovementKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("monthly contribution")
    TRANSFER = "transfer", _("transfer sent")
    TRANSFER_ACCEPT = "transfer_accept", _("transfer accepted")
    TRANSFER_DECLINE = "transfer_decline", _("transfer declined")
    TRANSFER_RETURN = "transfer_return", _("transfer returned by the morning sweep")
    PAYMENT = "payment", _("payment")
    REFUND = "refund", _("refund, back the way it was paid")


class LedgerEntry(models.Model):
    """Half of a movement: ``amount`` taken out of (negative) or put into
    (positive) ``account``. Append-only: never updated or deleted (PostgreSQL
    refuses it with a trigger, see migration 0002); a movement whose entries do
    not sum to zero is refused at commit (migration 0009). ``ref`` names the business
    object ("transfer:42", "payment:7", "contribution:3")."""

    movement = models.UUIDField(_("movement"), editable=False)
    # On PostgreSQL the reference is checked per INSERT statement by a trigger
    # (migration 0005) instead of a declarative foreign key: the morning sweep
    # writes 20,000 entries a statement, and the foreign key's row-by-row check at
    # commit was a quarter of its time. The guarantee is the same: every entry's
    # account exists when it is written, and ledger accounts are never deleted or
    # renumbered (another trigger), so no entry can lose its account later.
    account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("account"),
        db_index=False,  # covered by the (account, id) index
        db_constraint=False,
    )
    amount = money_field(_("amount"))
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    ref = models.CharField(_("reference"), max_length=60, blank=True)
    at = models.DateTimeField(_("when"), default=clock.now)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
        ]

    def __str__(self) -> str:
        sign = "+" if self.amount > 0 else ""  # money in: +¥12.00; out: -¥12.00
        return f"{self.get_kind_display()} {sign}{yuan(self.amount)}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("ledger entries are append-only")


class LedgerCheck(models.Model):
    """One run of the ledger reconciliation (W10): every balance against its
    entries, every movement a pair, the holding accounts against the pending
    transfers. The nightly job and ``manage.py ledger_check`` record a run; the
    latest is shown in the admin and at /healthz."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("nightly job")
        COMMAND = "command", _("ledger_check command")

    trigger = models.CharField(_("run by"), max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField(_("started"), default=clock.real_now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    accounts = models.PositiveIntegerField(_("accounts checked"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    # The first problems found, as ledger_check prints them (for the administrator).
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    # Incremental runs (W10): a clean run proves every entry up to `upto_entry`
    # and stores each account's total up to there (LedgerCheckpoint); the next
    # run reads only the entries after it. `full`: this run read every entry.
    upto_entry = models.BigIntegerField(_("checked up to entry"), null=True, blank=True)
    full = models.BooleanField(_("read every entry"), default=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_clean(self) -> bool:
        return self.finished_at is not None and self.problem_count == 0


class LedgerCheckpoint(models.Model):
    """An account's entries added up to the last clean ledger check's
    `upto_entry` (W10): the next check compares the balance with this total plus
    the entries since, instead of adding up every entry the account ever had.
    Written only by the ledger check."""

    account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    total = money_field(_("entries up to the checkpoint"))

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.total}"


class BalanceChange(models.Model):
    """An account whose stored balance changed since the last clean ledger check
    (W10): noted by a trigger on every UPDATE of the accounts (migration 0010),
    whoever writes it, so an incremental check also reads an account whose
    balance moved without an entry. Cleared by the ledger check."""

    # No foreign-key constraint: accounts are never deleted (migration 0005's
    # trigger), and a constraint would cost each posting a check per account.
    account = models.OneToOneField(
        LedgerAccount,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("changed balance")
        verbose_name_plural = _("changed balances")

    def __str__(self) -> str:
        return str(self.account_id)
