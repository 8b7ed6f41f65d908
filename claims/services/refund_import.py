"""Refunds in the bill import (R1–R5): rows with a `refund_quantity` name a
bill imported before and the quantity of each item the facility refunded. Each
row's item is matched to the bill's first line with that code that still has
the quantity; the bill is refunded once per refund reference (R4: the file's
`refund_reference`, else derived), so uploading the same file again refunds
nothing more."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from claims.models import Bill, Refund
from claims.services.imports import ImportReport
from claims.services.refunds import bill_refund
from core.reasons import admin_messages


def is_refund(members) -> bool:
    return any(row.get("refund_quantity", "").strip() for _number, row in members)


def refunds_import(groups: dict, *, acting_user, report: ImportReport) -> None:
    """Carry out the refunds of the groups of rows that carry them."""
    for reference, members in groups.items():
        first_row = members[0][0]
        bill = Bill.objects.filter(reference=reference).first()
        if bill is None:
            report.error(first_row, _("bill %(ref)s was never imported") % {"ref": reference})
            continue
        given = next((row.get("refund_reference", "") for _n, row in members), "").strip()
        reference = given or _derived(bill, members)
        if Refund.objects.filter(reference=reference, bill=bill).exists():
            continue  # R4: this file's refund was carried out (or asked for) before
        lines, problems = _lines(bill, members)
        for number, problem in problems:
            report.error(number, problem)
        if problems or not lines:
            continue
        try:
            refund = bill_refund(
                bill=bill,
                lines=lines,
                reference=reference,
                acting_user=acting_user,
                note=_("imported"),
            )
        except (ValidationError, PermissionDenied) as error:
            words = admin_messages(error) if isinstance(error, ValidationError) else [str(error)]
            report.error(first_row, f"{reference}: {'; '.join(words)}")
            continue
        report.updated += 1
        if refund.status == Refund.Status.AWAITING_SECOND:
            report.error(
                first_row,
                _("R5: refund %(ref)s of %(amount)s waits for a second member of staff.")
                % {"ref": refund.reference, "amount": refund.amount},
            )


def _derived(bill: Bill, members) -> str:
    """R4: the refund reference of a file's rows (their items and quantities),
    so the same rows uploaded again name the same refund."""
    rows = sorted(
        f"{row.get('item_code', '')}:{row.get('refund_quantity', '').strip()}"
        for _number, row in members
        if row.get("refund_quantity", "").strip()
    )
    digest = hashlib.sha256("|".join([bill.reference, *rows]).encode()).hexdigest()
    return f"{bill.reference}-RI-{digest[:8].upper()}"


def _lines(bill: Bill, members) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """{line position: quantity} from the rows; the rows' problems."""
    left = {
        line.position: (line.code, line.quantity - line.refunded_quantity)
        for line in bill.lines.order_by("position", "pk")
    }
    taken: dict[int, Decimal] = {}
    problems = []
    for number, row in members:
        text = row.get("refund_quantity", "").strip()
        if not text:
            continue
        try:
            quantity = Decimal(text)
        except InvalidOperation:
            problems.append((number, _("refund_quantity must be a number")))
            continue
        position = next(
            (
                pos
                for pos, (code, have) in left.items()
                if code == row.get("item_code") and have - taken.get(pos, 0) >= quantity
            ),
            None,
        )
        if position is None or quantity <= 0:
            problems.append(
                (number, _("no line of this bill has this item with that quantity left"))
            )
            continue
        taken[position] = taken.get(position, Decimal(0)) + quantity
    return {str(pos): str(q) for pos, q in taken.items()}, problems
