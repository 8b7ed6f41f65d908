from django import template

from core import reasons
from core.money import yuan

register = template.Library()


@register.filter
def reason(code: str) -> str:
    """The family sentence of a reason code (C1-01 …), in the active language."""
    return reasons.sentence(code)


@register.filter
def span(figure) -> str:
    """A policy figure (glance.Figure): ¥300.00, or ¥100.00–¥800.00 by facility tier."""
    if figure is None:
        return "—"
    if figure.single:
        return yuan(figure.low)
    return f"{yuan(figure.low)}–{yuan(figure.high)}"
