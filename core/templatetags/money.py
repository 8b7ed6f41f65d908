"""``{% load money %}``: ``{{ amount|yuan }}`` prints ¥12,345.60 (core.money.yuan);
``{{ amount|yuan:"-" }}`` prints money going out, -¥12.00."""

from decimal import Decimal

from django import template

from core import money

register = template.Library()


@register.filter
def yuan(value, direction: str = "") -> str:
    if direction == "-" and value not in (None, ""):
        return money.yuan(-Decimal(str(value)))
    return money.yuan(value)
