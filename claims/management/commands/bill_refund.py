"""``manage.py bill_refund REF --amount X --by USER``: a facility's refund of a
settled bill (退费 / 冲正, RULES.md R1–R6)."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.models import Bill
from claims.services.refunds import bill_refund


def parse_lines(value: str) -> dict[str, str]:
    """ "2:1,4:0.5": line position 2, quantity 1; line 4, quantity 0.5."""
    lines = {}
    for part in value.split(","):
        position, _sep, quantity = part.strip().partition(":")
        try:
            lines[str(int(position))] = str(Decimal(quantity or "0"))
        except (ValueError, InvalidOperation):
            raise CommandError(f"--lines wants POSITION:QUANTITY,…, not {value!r}") from None
    return lines


class Command(BaseCommand):
    help = (
        "Refund part or all of a settled bill (R1–R6): the settlement is reversed whole "
        "and what remains settled again; each channel gets back what it paid. Idempotent "
        "by the refund reference (--ref, by default derived from the bill and what is "
        "refunded). Above FOUR_EYES_AMOUNT it waits for --approved-by (R5)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("reference", help="the bill's reference")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--amount", type=Decimal, help="billed cost refunded, in yuan")
        what.add_argument("--lines", type=parse_lines, help="POSITION:QUANTITY,…")
        parser.add_argument("--by", required=True, help="the staff member refunding")
        parser.add_argument("--approved-by", default=None, help="the second member of staff")
        parser.add_argument("--ref", default=None, help="the refund's reference")
        parser.add_argument("--note", default="")

    def handle(self, *args, reference, by, amount=None, lines=None, **options) -> None:
        bill = Bill.objects.filter(reference=reference).first()
        if bill is None:
            raise CommandError(f"no bill {reference!r}")
        second = self._user(options["approved_by"]) if options["approved_by"] else None
        try:
            refund = bill_refund(
                bill=bill,
                acting_user=self._user(by),
                amount=amount,
                lines=lines,
                reference=options["ref"],
                approved_by=second,
                note=options["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            # Staff read the rule id (R3-02, R4-01 …) with the sentence.
            words = " ".join(getattr(error, "messages", [str(error)]))
            code = getattr(error, "code", None)
            raise CommandError(f"{code}: {words}" if code else words) from None
        if refund.status != refund.Status.DONE:
            self.stdout.write(
                f"refund {refund.reference} of {refund.amount} awaits a second approval "
                f"(run again with --approved-by)"
            )
            return
        self.stdout.write(
            f"refund {refund.reference}: {refund.amount} of bill {bill.reference}; "
            f"fund {refund.fund_back}, personal {refund.personal_back} back "
            f"({refund.channels.get('back', {})}; paid again {refund.channels.get('paid_again')})"
        )

    @staticmethod
    def _user(username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if not user.is_staff:
            raise CommandError(f"{username!r} is not a member of staff")
        return user
