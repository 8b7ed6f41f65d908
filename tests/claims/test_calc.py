"""Properties of the pure settlement calculation (C2, C3, C6)."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from claims.settlement.calc import LineIn, RuleIn, SettlementInput, calculate

money = st.decimals(min_value=0, max_value=20000, places=2)
percent = st.decimals(min_value=0, max_value=100, places=0)
lines = st.lists(
    st.builds(
        LineIn,
        code=st.sampled_from(["A", "B", "X"]),
        quantity=st.decimals(min_value=0, max_value=50, places=3),
        unit_price=money,
        item_class=st.sampled_from(["A", "B", "OUT", None]),
        price_limit=st.one_of(st.none(), money),
    ),
    min_size=1,
    max_size=6,
)
rules = st.one_of(
    st.none(),
    st.builds(
        RuleIn,
        deductible=money,
        rate=percent,
        annual_cap=st.one_of(st.none(), money),
        deductible_per_bill=st.booleans(),
    ),
)


@given(
    lines=lines,
    rule=rules,
    share=percent,
    reduction=percent,
    used=money,
    cap_used=money,
    refusal=st.sampled_from(["", "F2-01"]),
)
def test_every_yuan_is_the_funds_or_the_patients(
    lines, rule, share, reduction, used, cap_used, refusal
):
    data = SettlementInput(
        lines=tuple(lines),
        class_b_share=share,
        rule=rule,
        rate_reduction=reduction,
        deductible_used=used,
        cap_used=cap_used,
        refusal=refusal,
    )
    result = calculate(data)
    assert result.total == result.fund_paid + result.personal_total
    assert result.personal_total == result.personal_in_directory + result.self_pay
    assert result.eligible == result.total - result.self_pay - result.class_b_first_pay
    for value in (
        result.fund_paid,
        result.copay,
        result.deductible,
        result.over_cap,
        result.eligible,
        result.self_pay,
        result.not_reimbursed,
    ):
        assert value >= 0
        assert value == value.quantize(D("0.01"))
    if rule is not None and rule.annual_cap is not None:
        assert result.cap_used_after <= max(rule.annual_cap, cap_used)
    if refusal:
        assert result.fund_paid == 0
    # Deterministic and re-computable from its stored inputs.
    assert calculate(SettlementInput.from_json(data.to_json())) == result


@given(lines=lines, rule=rules, share=percent, used=money, notes=st.lists(st.just("F4-02")))
def test_stored_inputs_are_every_field_of_the_input_as_text(lines, rule, share, used, notes):
    """The inputs stored with a bill are the dataclass's fields (asdict's names and
    nesting), Decimals as their exact text, tuples as lists."""
    from dataclasses import asdict

    data = SettlementInput(
        lines=tuple(lines),
        class_b_share=share,
        rule=rule,
        deductible_used=used,
        cap_used=used,
        notes=tuple(notes),
    )

    def text(value):
        if isinstance(value, D):
            return str(value)
        if isinstance(value, dict):
            return {k: text(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [text(v) for v in value]
        return value

    assert data.to_json() == text(asdict(data))
