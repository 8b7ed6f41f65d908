from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import reasons
from core.money import yuan

register = template.Library()


@register.filter
def reason(code: str) -> str:
    """The family sentence of a reason code (C1-01 …), in the active language."""
    return reasons.sentence(code)


@register.filter
def span(figure) -> SafeString | str:
    """A policy figure (glance.Figure): ¥300.00, or ¥100.00–¥800.00 by facility
    tier, each amount kept on one line."""
    if figure is None:
        return "—"
    if figure.single:
        return format_html('<span class="nowrap">{}</span>', yuan(figure.low))
    return format_html(
        '<span class="nowrap">{}</span>–<span class="nowrap">{}</span>',
        yuan(figure.low),
        yuan(figure.high),
    )
