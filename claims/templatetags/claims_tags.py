from decimal import Decimal

from django import template

from claims.reasons import REASONS

register = template.Library()


@register.filter
def reason(code: str) -> str:
    """The translated sentence for a reason code (C1-01 …)."""
    text = REASONS.get(code)
    return str(text) if text is not None else ""


@register.filter
def yuan(value) -> str:
    """Money with thousands separators and two decimals: 12,345.60."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def span(figure) -> str:
    """A policy figure (glance.Figure): ¥300.00, or ¥100.00–¥800.00 by facility tier."""
    if figure is None:
        return "—"
    if figure.single:
        return f"¥{yuan(figure.low)}"
    return f"¥{yuan(figure.low)}–¥{yuan(figure.high)}"
