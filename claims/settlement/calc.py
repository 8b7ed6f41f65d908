"""The settlement arithmetic (C1, C2, C3, C6) as a pure function: the same inputs
always give the same result, so a stored bill can be re-computed from the inputs
stored with it.

Rounding rule: every money figure is rounded half-up to the fen (0.01 yuan) where
it is first computed — each line amount, each line's above-limit part and class-B
first-pay, and the bill's fund payment. Everything else is a sum or difference of
rounded figures, so the parts always add up to the total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def money(value: Decimal) -> Decimal:
    """Round half-up to the fen (the explicit rounding rule above)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineIn:
    code: str
    quantity: Decimal
    unit_price: Decimal
    item_class: str | None  # "A", "B", "OUT"; None: not in the directory in force
    price_limit: Decimal | None = None


@dataclass(frozen=True)
class RuleIn:
    deductible: Decimal
    rate: Decimal  # percent, before any non-local reduction
    annual_cap: Decimal | None = None
    deductible_per_bill: bool = False


@dataclass(frozen=True)
class SettlementInput:
    lines: tuple[LineIn, ...]
    class_b_share: Decimal  # percent (C1)
    rule: RuleIn | None  # None: no policy row (C3-03)
    rate_reduction: Decimal = ZERO  # percentage points (F4)
    deductible_used: Decimal = ZERO  # this year, this care type, before this bill
    cap_used: Decimal = ZERO  # fund payments this year, this care type, before this bill
    refusal: str = ""  # a reason code refusing any fund payment (F1-01, F2-01, C3-03)
    notes: tuple[str, ...] = ()  # bill-level reason codes that explain the rate

    def to_json(self) -> dict:
        """A JSON-safe copy (Decimals as strings) to store with the bill: the
        fields as dataclasses.asdict names them, tuples as lists. Written out
        field by field: asdict's deep copy was a tenth of a settlement's time."""

        def text(value):
            return None if value is None else str(value)

        rule = self.rule
        return {
            "lines": [
                {
                    "code": line.code,
                    "quantity": text(line.quantity),
                    "unit_price": text(line.unit_price),
                    "item_class": line.item_class,
                    "price_limit": text(line.price_limit),
                }
                for line in self.lines
            ],
            "class_b_share": text(self.class_b_share),
            "rule": None
            if rule is None
            else {
                "deductible": text(rule.deductible),
                "rate": text(rule.rate),
                "annual_cap": text(rule.annual_cap),
                "deductible_per_bill": rule.deductible_per_bill,
            },
            "rate_reduction": text(self.rate_reduction),
            "deductible_used": text(self.deductible_used),
            "cap_used": text(self.cap_used),
            "refusal": self.refusal,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict) -> SettlementInput:
        def dec(value):
            return None if value is None else Decimal(value)

        rule = data.get("rule")
        return cls(
            lines=tuple(
                LineIn(
                    code=line["code"],
                    quantity=dec(line["quantity"]),
                    unit_price=dec(line["unit_price"]),
                    item_class=line["item_class"],
                    price_limit=dec(line["price_limit"]),
                )
                for line in data["lines"]
            ),
            class_b_share=dec(data["class_b_share"]),
            rule=None
            if rule is None
            else RuleIn(
                deductible=dec(rule["deductible"]),
                rate=dec(rule["rate"]),
                annual_cap=dec(rule["annual_cap"]),
                deductible_per_bill=rule["deductible_per_bill"],
            ),
            rate_reduction=dec(data["rate_reduction"]),
            deductible_used=dec(data["deductible_used"]),
            cap_used=dec(data["cap_used"]),
            refusal=data["refusal"],
            notes=tuple(data["notes"]),
        )


@dataclass(frozen=True)
class LineOut:
    amount: Decimal
    out_of_directory: Decimal
    over_limit: Decimal
    class_b_first_pay: Decimal
    eligible: Decimal
    reasons: tuple[str, ...]

    @property
    def self_pay(self) -> Decimal:
        return self.out_of_directory + self.over_limit


@dataclass(frozen=True)
class SettlementResult:
    lines: tuple[LineOut, ...]
    total: Decimal
    out_of_directory: Decimal
    over_limit: Decimal
    class_b_first_pay: Decimal
    eligible: Decimal
    deductible: Decimal
    rate: Decimal  # percent actually applied
    fund_paid: Decimal
    copay: Decimal
    over_cap: Decimal
    not_reimbursed: Decimal
    reasons: tuple[str, ...]
    deductible_used_after: Decimal
    cap_used_after: Decimal

    @property
    def self_pay(self) -> Decimal:
        """自费: out of the directory plus above price limits (C6)."""
        return self.out_of_directory + self.over_limit

    @property
    def personal_in_directory(self) -> Decimal:
        """自付: deductible, class-B first-pay, co-pay, above the cap, refused (C6)."""
        return (
            self.deductible
            + self.class_b_first_pay
            + self.copay
            + self.over_cap
            + self.not_reimbursed
        )

    @property
    def personal_total(self) -> Decimal:
        return self.personal_in_directory + self.self_pay


def settle_line(line: LineIn, class_b_share: Decimal) -> LineOut:
    """C1 and C2 for one line: what of it is eligible, and why not the rest."""
    amount = money(line.quantity * line.unit_price)
    if line.item_class is None or line.item_class == "OUT":
        code = "C1-02" if line.item_class is None else "C1-01"
        return LineOut(amount, amount, ZERO, ZERO, ZERO, (code,))
    reasons: list[str] = []
    over_limit = ZERO
    if line.price_limit is not None and line.unit_price > line.price_limit:
        over_limit = money(line.quantity * (line.unit_price - line.price_limit))
        reasons.append("C2-01")
    within = amount - over_limit
    class_b = ZERO
    if line.item_class == "B":
        class_b = money(within * class_b_share / HUNDRED)
        reasons.append("C1-03")
    return LineOut(amount, ZERO, over_limit, class_b, within - class_b, tuple(reasons))


def calculate(data: SettlementInput) -> SettlementResult:
    """Settle a bill (C2, C3): eligible = total − out-of-directory − class-B
    first-pay − above price limits; fund = (eligible − remaining deductible) × rate,
    capped by what is left of the annual cap."""
    lines = [settle_line(line, data.class_b_share) for line in data.lines]
    total = sum((line.amount for line in lines), ZERO)
    eligible = sum((line.eligible for line in lines), ZERO)
    reasons = list(data.notes)
    deductible = fund = copay = over_cap = not_reimbursed = ZERO
    rate = ZERO
    if data.refusal or data.rule is None:
        refusal = data.refusal or "C3-03"
        not_reimbursed = eligible
        reasons.append(refusal)
        # The refusal reduces every line that had an eligible part.
        lines = [
            LineOut(
                line.amount,
                line.out_of_directory,
                line.over_limit,
                line.class_b_first_pay,
                line.eligible,
                (*line.reasons, refusal),
            )
            if line.eligible > 0
            else line
            for line in lines
        ]
    else:
        rule = data.rule
        rate = max(rule.rate - data.rate_reduction, ZERO)
        if rate == 0:
            # Nothing is reimbursed, so nothing of the deductible is spent either.
            copay = eligible
            if eligible > 0:
                reasons.append("C3-04")
        else:
            if rule.deductible_per_bill:
                remaining = rule.deductible
            else:
                remaining = max(rule.deductible - data.deductible_used, ZERO)
            deductible = min(eligible, remaining)
            base = eligible - deductible
            fund_raw = money(base * rate / HUNDRED)
            copay = base - fund_raw
            fund = fund_raw
            if rule.annual_cap is not None:
                cap_left = max(rule.annual_cap - data.cap_used, ZERO)
                fund = min(fund_raw, cap_left)
                over_cap = fund_raw - fund
            if deductible > 0:
                reasons.append("C3-01")
            if over_cap > 0:
                reasons.append("C3-02")
    return SettlementResult(
        lines=tuple(lines),
        total=total,
        out_of_directory=sum((line.out_of_directory for line in lines), ZERO),
        over_limit=sum((line.over_limit for line in lines), ZERO),
        class_b_first_pay=sum((line.class_b_first_pay for line in lines), ZERO),
        eligible=eligible,
        deductible=deductible,
        rate=rate,
        fund_paid=fund,
        copay=copay,
        over_cap=over_cap,
        not_reimbursed=not_reimbursed,
        reasons=tuple(reasons),
        deductible_used_after=data.deductible_used + deductible,
        cap_used_after=data.cap_used + fund,
    )
