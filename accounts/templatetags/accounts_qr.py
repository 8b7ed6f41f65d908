"""The insurance QR code (A1 card): a real QR image of the person's opaque token."""

import segno
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

QR_PREFIX = "ybqr:"  # what a scanner at the counter reads; the token alone identifies nobody


def qr_payload(token: str) -> str:
    return f"{QR_PREFIX}{token}"


@register.simple_tag
def qr_svg(token: str, title: str = "") -> str:
    """Inline SVG of the QR code for `token` (segno renders it; no extra request)."""
    qr = segno.make(qr_payload(token), error="m")
    # segno escapes the title; the SVG is built from our own data only.
    return mark_safe(qr.svg_inline(scale=4, border=2, title=title or None))  # noqa: S308
