"""``{% load money %}``: amounts, dates and ID numbers that never break over
two lines on a phone (the layout gives way instead).

- ``{{ amount|yuan }}`` prints ¥12,345.60 (core.money.yuan) inside a
  ``<span class="nowrap">``; ``{{ amount|yuan:"-" }}`` money going out,
  -¥12.00; ``{{ amount|yuan:"+" }}`` money coming in, +¥12.00;
- ``{{ amount|yuan_text }}``: the same figure as plain text, for places where
  markup cannot go (an SVG ``<title>``, an attribute);
- ``{{ day|date:"Y-m-d"|nowrap }}``: any short value kept on one line;
- ``{{ sentence|keep_figures }}``: a sentence (a flash message, a refusal, a
  message-centre text) escaped, with every amount, date and ID number in it
  kept on one line.
"""

import re
from decimal import Decimal

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core import money

register = template.Library()

# What must not break: an amount (¥1,800.00, +¥12.00, -¥3.50, "¥2,000.00 元"),
# a date with or without its time, and an ID number whole or masked (4401**…1234).
FIGURE = re.compile(
    r"[+\-]?¥-?[\d,]+(?:\.\d+)?(?:\s?元)?"
    r"|\d{4}-\d{2}-\d{2}(?:\s\d{2}:\d{2})?"
    r"|\d{4}[\d*]{10,}[\dXx]"
)


def _signed(value, direction: str) -> str:
    if value in (None, ""):
        return money.yuan(value)
    if direction == "-":
        return money.yuan(-Decimal(str(value)))
    text = money.yuan(value)
    if direction == "+" and Decimal(str(value)) > 0:
        return f"+{text}"
    return text


@register.filter
def yuan(value, direction: str = "") -> SafeString | str:
    if value in (None, ""):
        return money.yuan(value)
    return format_html('<span class="nowrap">{}</span>', _signed(value, direction))


@register.filter
def yuan_text(value, direction: str = "") -> str:
    return _signed(value, direction)


@register.filter
def nowrap(value) -> SafeString:
    if value in (None, ""):
        return mark_safe("")
    return format_html('<span class="nowrap">{}</span>', value)


@register.filter
def keep_figures(value) -> SafeString:
    text = str(conditional_escape(value))
    return mark_safe(FIGURE.sub(lambda m: f'<span class="nowrap">{m[0]}</span>', text))  # noqa: S308
