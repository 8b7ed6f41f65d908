"""The personal-account statement (个人账户明细): reads only.

For one person, their personal account and their wallet, each entry of the
ledger (W10: every movement is a pair; here we read the person's half) with what
it was — a contribution in, a bill or premium paid, family pooling for a
relative, a transfer out, back or in — and the running balance after it,
computed by the database over the entries themselves (a window sum), so the last
running balance is the ledger's balance to the fen. Month by month, one year at
a time: the year opens with the balance of everything before it.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Sum, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import InsuredPerson
from core.export import UTF8_BOM, SafeWriter
from wallet.models import (
    AccountKind,
    Contribution,
    LedgerAccount,
    LedgerEntry,
    MovementKind,
    Payment,
    Transfer,
)

ZERO = Decimal("0.00")

ACCOUNT_TITLES = {
    AccountKind.PERSONAL: gettext_lazy("Personal account"),
    AccountKind.WALLET: gettext_lazy("Wallet"),
}


@dataclass
class Line:
    at: datetime.datetime
    amount: Decimal  # + in, − out
    balance: Decimal  # after this entry
    what: str
    link: str = ""  # the thing it is about (a bill, the transfers), if any

    @property
    def magnitude(self) -> Decimal:
        return abs(self.amount)


@dataclass
class Month:
    month: datetime.date  # the first day
    lines: list[Line] = field(default_factory=list)
    money_in: Decimal = ZERO
    money_out: Decimal = ZERO
    closing: Decimal = ZERO


@dataclass
class AccountStatement:
    kind: str
    title: str
    opening: Decimal  # the balance on 1 January
    closing: Decimal  # after the year's last entry (today's balance for this year)
    months: list[Month]

    @property
    def money_in(self) -> Decimal:
        return sum((m.money_in for m in self.months), ZERO)

    @property
    def money_out(self) -> Decimal:
        return sum((m.money_out for m in self.months), ZERO)


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def statement(*, person: InsuredPerson, year: int) -> list[AccountStatement]:
    """The year's statement of each account `person` has (personal account for
    employees, wallet once opened), newest month first. Four queries an account
    plus one per kind of thing referred to."""
    accounts = LedgerAccount.objects.filter(
        person=person, kind__in=(AccountKind.PERSONAL, AccountKind.WALLET)
    ).order_by("kind")
    start, end = _year_bounds(year)
    result = []
    for account in sorted(accounts, key=lambda a: a.kind != AccountKind.PERSONAL):
        opening = (
            LedgerEntry.objects.filter(account=account, at__lt=start).aggregate(
                total=Sum("amount")
            )["total"]
            or ZERO
        )
        entries = list(
            LedgerEntry.objects.filter(account=account, at__gte=start, at__lt=end)
            .annotate(
                running=Window(Sum("amount"), order_by=[F("at").asc(), F("pk").asc()]),
            )
            .order_by("at", "pk")
            .values("pk", "at", "amount", "kind", "ref", "running")
        )
        describe = _describer(entries, person=person)
        months: dict[datetime.date, Month] = {}
        closing = opening
        for entry in entries:
            local = timezone.localtime(entry["at"])
            month = months.setdefault(
                local.date().replace(day=1), Month(local.date().replace(day=1))
            )
            closing = opening + entry["running"]
            what, link = describe(entry)
            month.lines.append(Line(entry["at"], entry["amount"], closing, what, link))
            if entry["amount"] > 0:
                month.money_in += entry["amount"]
            else:
                month.money_out -= entry["amount"]
            month.closing = closing
        for month in months.values():
            month.lines.reverse()
        result.append(
            AccountStatement(
                kind=account.kind,
                title=str(ACCOUNT_TITLES[account.kind]),
                opening=opening,
                closing=closing,
                months=sorted(months.values(), key=lambda m: m.month, reverse=True),
            )
        )
    return result


def _ids(entries, prefix: str) -> list[int]:
    found = []
    for entry in entries:
        kind, _sep, pk = entry["ref"].partition(":")
        if kind == prefix and pk.isdigit():
            found.append(int(pk))
    return found


def _describer(entries: list[dict], *, person: InsuredPerson):
    """What each entry was, in a sentence naming the people, from the objects its
    reference names (fetched once for all entries)."""
    transfers = Transfer.objects.select_related("sender", "recipient").in_bulk(
        _ids(entries, "transfer")
    )
    payments = Payment.objects.select_related("person", "pooling_from").in_bulk(
        _ids(entries, "payment")
    )
    contributions = Contribution.objects.in_bulk(_ids(entries, "contribution"))

    def describe(entry: dict) -> tuple[str, str]:
        kind, _sep, pk = entry["ref"].partition(":")
        target = int(pk) if pk.isdigit() else None
        if kind == "contribution" and target in contributions:
            month = contributions[target].month
            return _("Contribution for %(month)s") % {"month": f"{month:%Y-%m}"}, ""
        if kind == "transfer" and target in transfers:
            return _transfer_words(entry, transfers[target], person), ""
        if kind == "payment" and target in payments:
            payment = payments[target]
            if entry["kind"] == MovementKind.REFUND:  # R2: back the way it was paid
                words = _("Refunded: %(purpose)s") % {"purpose": payment.get_purpose_display()}
                return words, _payment_link(payment)
            return _payment_words(payment, person), _payment_link(payment)
        return str(MovementKind(entry["kind"]).label), ""

    return describe


def _transfer_words(entry: dict, transfer: Transfer, person: InsuredPerson) -> str:
    names = {"sender": transfer.sender.name, "recipient": transfer.recipient.name}
    if entry["kind"] == MovementKind.TRANSFER:
        return _("Sent to %(recipient)s's wallet") % names
    if entry["kind"] == MovementKind.TRANSFER_ACCEPT:
        return _("Received from %(sender)s") % names
    if entry["kind"] == MovementKind.TRANSFER_DECLINE:
        return _("Back from %(recipient)s (declined)") % names
    if entry["kind"] == MovementKind.TRANSFER_RETURN:
        return _("Back from %(recipient)s (not accepted in time)") % names
    return str(MovementKind(entry["kind"]).label)


def _payment_words(payment: Payment, person: InsuredPerson) -> str:
    names = {"name": payment.person.name, "purpose": payment.get_purpose_display()}
    if payment.person_id != person.pk:
        # This person's account paid for a relative: family pooling (P3).
        return _("Family pooling: %(purpose)s of %(name)s") % names
    return _("Paid: %(purpose)s") % names


def _payment_link(payment: Payment) -> str:
    """The page of what was paid: a bill (claims finds it by its reference; the
    wallet only knows the reference) or the premiums on the money page."""
    kind, _sep, ref = payment.reference.partition(":")
    ref = ref.partition("#")[0]  # a bill paid again after a refund (R2): "REF#refund"
    if kind == "claims.bill" and ref:
        return reverse("claims:bill_by_reference", args=[ref])
    if payment.purpose in Payment.PREMIUM_PURPOSES:
        return reverse("wallet:index")
    return ""


def statement_csv(*, person: InsuredPerson, year: int) -> bytes:
    """The statement as CSV (UTF-8 with BOM for Excel in China), every text cell
    neutralised so a name can never run as a formula."""
    out = io.StringIO()
    writer = SafeWriter(out)

    def row(*cells) -> None:
        writer.writerow(cells)

    row(_("Personal-account statement"), person.name, person.masked_id, year)
    for account in statement(person=person, year=year):
        row()
        row(account.title)
        row(_("Opening balance"), "", "", account.opening)
        row(_("Date"), _("What"), _("Amount"), _("Balance"))
        by_month = defaultdict(list)
        for month in account.months:
            by_month[month.month] = month.lines
        for month_start in sorted(by_month):
            for line in reversed(by_month[month_start]):
                local = timezone.localtime(line.at)
                row(f"{local:%Y-%m-%d %H:%M}", line.what, line.amount, line.balance)
        row(_("Closing balance"), "", "", account.closing)
    return (UTF8_BOM + out.getvalue()).encode("utf-8")
