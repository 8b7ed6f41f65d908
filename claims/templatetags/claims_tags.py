from django import template

from core import reasons

register = template.Library()


@register.filter
def reason(code: str) -> str:
    """The family sentence of a reason code (C1-01 …), in the active language."""
    return reasons.sentence(code)
