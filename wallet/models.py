"""Money: the ledger, wallets, transfers, family pooling, contributions, payments.
Rules: RULES.md sections W and P.

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

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, InsuredPerson, Region

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

MONEY = {"max_digits": 14, "decimal_places": 2}


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
    balance = models.DecimalField(_("balance"), default=0, **MONEY)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

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


class LedgerEntry(models.Model):
    """Half of a movement: ``amount`` taken out of (negative) or put into
    (positive) ``account``. Append-only: never updated or deleted (PostgreSQL
    refuses it with a trigger, see migration 0002). ``ref`` names the business
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
    amount = models.DecimalField(_("amount"), **MONEY)
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    ref = models.CharField(_("reference"), max_length=60, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("ledger entries are append-only")


class WalletPolicy(models.Model):
    """The editable numbers of the wallet and pooling rules, one row (pk=1),
    seeded with RULES.md's defaults. Services read it inside their transaction."""

    min_amount = models.DecimalField(_("smallest transfer (W6)"), default="1.00", **MONEY)
    max_amount = models.DecimalField(_("largest transfer (W6)"), default="2000.00", **MONEY)
    daily_count = models.PositiveSmallIntegerField(
        _("transfers per sender per day (W6)"),
        default=3,
        help_text=_("Declined and returned transfers count too."),
    )
    daily_amount_cap = models.DecimalField(
        _("amount per sender per day (W6)"),
        null=True,
        blank=True,
        help_text=_("Empty: no cap beyond the per-transfer maximum (the default)."),
        **MONEY,
    )
    quiet_start = models.TimeField(_("quiet hours start (W7)"), default="22:00")
    quiet_end = models.TimeField(_("quiet hours end (W7)"), default="06:00")
    one_pending = models.BooleanField(
        _("one pending transfer per sender (W8)"),
        default=True,
        help_text=_("While a transfer is pending, its sender cannot start another."),
    )
    sweep_at = models.TimeField(
        _("unclaimed transfers go back at (W9)"),
        default="06:00",
        help_text=_("On the day after the transfer was made."),
    )
    received_money_sendable = models.BooleanField(
        _("received money may be sent on (W11)"), default=False
    )
    cross_province_pooling = models.BooleanField(
        _("cross-province family pooling allowed (P2)"),
        default=True,
        help_text=_("The national setting; a province may override it."),
    )
    pooling_all_close_relatives = models.BooleanField(
        _("pooling with all close relatives (P2)"),
        default=True,
        help_text=_("Since 2024. Off: spouse, parents and children only (the 2021 scope)."),
    )

    class Meta:
        verbose_name = _("wallet rules")
        verbose_name_plural = _("wallet rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0, max_amount__gte=F("min_amount")),
                name="wallet_policy_amounts_sane",
            )
        ]

    def __str__(self) -> str:
        return str(_("wallet rules"))

    @classmethod
    def current(cls) -> "WalletPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class Wallet(models.Model):
    """An open wallet (W1). Its money is the ``LedgerAccount`` of kind "wallet" for
    the same person; the two rows are created together.

    Bulk insert (W2, bulk proxy activation): one ``Wallet`` row and one
    ``LedgerAccount(kind="wallet", person_id=..., shard=0, balance=0)`` row per
    person. Both tables have a unique key on the person (``wallet.person`` is one to
    one; ``ledger_account_one_per_person_kind``), so ``bulk_create(...,
    ignore_conflicts=True)`` / ``INSERT ... ON CONFLICT DO NOTHING`` on both is safe
    to re-run. Set ``by_proxy``, ``opened_by`` and ``batch_ref`` to record who
    opened it. ``wallet.services.wallet_open_bulk`` does exactly that."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    person = models.OneToOneField(
        InsuredPerson, on_delete=models.PROTECT, related_name="wallet", verbose_name=_("holder")
    )
    usage_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("usage location"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
        db_index=False,
    )
    by_proxy = models.BooleanField(_("opened by proxy (W2)"), default=False)
    batch_ref = models.CharField(_("bulk batch"), max_length=64, blank=True)
    usage_changed_at = models.DateTimeField(_("usage location changed"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")

    def __str__(self) -> str:
        return f"{self.person.name}: {self.usage_region}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Transfer(models.Model):
    """A wallet transfer (W4–W9): money moves from the sender's personal account to
    the holding account at once, and from there to the recipient's wallet when they
    accept, or back to the sender when they decline or nobody answers by the
    morning sweep (W9)."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the recipient")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        RETURNED = "returned", _("returned (not accepted in time)")

    class Source(models.TextChoices):
        PERSONAL = "personal", _("personal account")
        WALLET = "wallet", _("wallet (received money, W11)")

    sender = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="transfers_sent",
        verbose_name=_("sender"),
        db_index=False,  # covered by transfer_idempotency_key_once (sender first)
    )
    recipient = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="transfers_received",
        verbose_name=_("recipient"),
        db_index=False,
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    source = models.CharField(
        _("paid from"), max_length=10, choices=Source.choices, default=Source.PERSONAL
    )
    # The three accounts the money passes through, fixed at creation so the
    # decline, accept and sweep never have to look them up again.
    from_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    holding_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        db_index=False,
    )
    local_day = models.DateField(_("day"), help_text=_("China Standard Time (W6)."))
    due_back_at = models.DateTimeField(_("returned if not accepted by"))
    single_pending = models.BooleanField(
        default=True, help_text="W8 was on when it was made: no other pending one allowed."
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            # A sender's own rows are few (at most the daily count per day), so the
            # idempotency key's index serves every lookup by sender; one index
            # less to write on each create and each sweep update.
            models.Index(fields=["recipient", "local_day"], name="transfer_recipient_day_idx"),
            # The morning sweep's queue: only pending rows are in it.
            models.Index(
                fields=["due_back_at", "id"],
                condition=Q(state="pending"),
                name="transfer_pending_due_idx",
            ),
        ]
        constraints = [
            # A double click or a retried request makes one transfer.
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"], name="transfer_idempotency_key_once"
            ),
            # W8: one pending transfer per sender, whatever races the service loses.
            models.UniqueConstraint(
                fields=["sender"],
                condition=Q(state="pending", single_pending=True),
                name="transfer_one_pending_per_sender",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(sender=F("recipient")), name="transfer_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="transfer_decided_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender.name} → {self.recipient.name}: {self.amount}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class PoolingBinding(models.Model):
    """Family pooling (家庭共济, P1): an employee lets a close relative's bills and
    premiums be paid from the employee's personal account."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        ENDED = "ended", _("ended")

    class EndReason(models.TextChoices):
        EMPLOYEE = "employee", _("ended by the employee")
        RELATIVE = "relative", _("ended by the relative")
        STATUS_CHANGE = "status_change", _("the employee's insurance status changed")

    employee = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="pooling_given",
        verbose_name=_("employee"),
        db_index=False,
    )
    relative = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="pooling_received",
        verbose_name=_("relative"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("bound"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    end_reason = models.CharField(
        _("why it ended"), max_length=16, choices=EndReason.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("family pooling binding")
        verbose_name_plural = _("family pooling bindings")
        indexes = [models.Index(fields=["employee", "status"], name="pooling_employee_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "relative"],
                condition=Q(status="active"),
                name="pooling_one_active_per_pair",
            ),
            models.CheckConstraint(condition=~Q(employee=F("relative")), name="pooling_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.employee.name} → {self.relative.name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ContributionRate(models.Model):
    """Monthly personal-account contribution amounts (a setting): the employee's
    own share plus the part the employer credits. A row without a region is the
    national default; the latest row valid on the month wins, a region's own row
    before the default."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty: every region without its own rate."),
    )
    valid_from = models.DateField(_("valid from"))
    employee_share = models.DecimalField(_("employee share per month"), **MONEY)
    employer_credit = models.DecimalField(_("employer part credited per month"), **MONEY)

    class Meta:
        ordering = ["region", "-valid_from"]
        verbose_name = _("contribution rate")
        verbose_name_plural = _("contribution rates")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "valid_from"],
                condition=Q(region__isnull=False),
                name="contribution_rate_once",
            ),
            models.UniqueConstraint(
                fields=["valid_from"],
                condition=Q(region__isnull=True),
                name="contribution_default_rate_once",
            ),
            models.CheckConstraint(
                condition=Q(employee_share__gte=0, employer_credit__gte=0),
                name="contribution_rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        where = self.region or _("national default")
        return f"{where} {self.valid_from}: {self.employee_share} + {self.employer_credit}"

    @property
    def total(self):
        return self.employee_share + self.employer_credit


class Contribution(models.Model):
    """One month's contribution to an employee's personal account; at most one per
    person per month, however often the job runs."""

    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("employee"),
        db_index=False,  # covered by contribution_once_per_month
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    employee_amount = models.DecimalField(_("employee share"), **MONEY)
    employer_amount = models.DecimalField(_("employer part"), **MONEY)
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-month", "person"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="contribution_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.month:%Y-%m}: {self.total}"

    @property
    def total(self):
        return self.employee_amount + self.employer_amount


class PremiumRate(models.Model):
    """The resident-insurance premium (individual part) per region and year (a
    setting). A row without a region is the national default."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty: every region without its own amount."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("premium"), **MONEY)

    class Meta:
        ordering = ["-year", "region"]
        verbose_name = _("resident premium")
        verbose_name_plural = _("resident premiums")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                condition=Q(region__isnull=False),
                name="premium_rate_once",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(region__isnull=True),
                name="premium_default_rate_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="premium_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region or _('national default')} {self.year}: {self.amount}"


class Payment(models.Model):
    """A payment for a person (a bill share, drugs, a premium) and how it was paid:
    wallet, own personal account, a pooling relative's personal account (P), cash.
    The parts always add up to ``amount``. ``reference`` makes it idempotent: the
    same reference is the same payment."""

    class Purpose(models.TextChoices):
        BILL = "bill", _("medical bill")
        DRUGS = "drugs", _("drugs at a pharmacy")
        VACCINATION = "vaccination", _("vaccination")
        PREMIUM = "premium", _("resident-insurance premium")
        LTC_PREMIUM = "ltc_premium", _("long-term-care premium")

    PREMIUM_PURPOSES = (Purpose.PREMIUM, Purpose.LTC_PREMIUM)

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="payments", verbose_name=_("for")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facility"),
        db_index=False,
    )
    wallet_amount = models.DecimalField(_("from the wallet"), default=0, **MONEY)
    own_account_amount = models.DecimalField(_("from the own personal account"), default=0, **MONEY)
    pooling_amount = models.DecimalField(_("from family pooling"), default=0, **MONEY)
    pooling_from = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pooling from"),
        db_index=False,
    )
    cash_amount = models.DecimalField(_("in cash"), default=0, **MONEY)
    created_at = models.DateTimeField(_("paid"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    amount__gt=0,
                    wallet_amount__gte=0,
                    own_account_amount__gte=0,
                    pooling_amount__gte=0,
                    cash_amount__gte=0,
                ),
                name="payment_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=F("wallet_amount")
                    + F("own_account_amount")
                    + F("pooling_amount")
                    + F("cash_amount")
                ),
                name="payment_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(pooling_amount=0) | Q(pooling_from__isnull=False),
                name="payment_pooling_has_a_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}: {self.amount} ({self.get_purpose_display()})"


class LedgerCheck(models.Model):
    """One run of the ledger reconciliation (W10): every balance against its
    entries, every movement a pair, the holding accounts against the pending
    transfers. The nightly job and ``manage.py ledger_check`` record a run; the
    latest is shown in the admin and at /healthz."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("nightly job")
        COMMAND = "command", _("ledger_check command")

    trigger = models.CharField(_("run by"), max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    accounts = models.PositiveIntegerField(_("accounts checked"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    # The first problems found, as ledger_check prints them (for the administrator).
    problems = models.JSONField(_("problems found"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_clean(self) -> bool:
        return self.finished_at is not None and self.problem_count == 0


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


# Bulk proxy activation (W2, issue 6) keeps its batches in wallet/bulk/models.py.
from wallet.bulk.models import Batch, BatchRow  # noqa: E402, F401
