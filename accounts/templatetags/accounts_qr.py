"""The insurance QR code (A1 card): a real QR image of the person's opaque token.

Two payloads: the family card shows the token itself (renewed only on request);
the counter view shows the token signed with the time, which a scanner accepts
for a short while only, so a photo or screenshot of it soon stops working."""

from functools import lru_cache

import segno
from django import template
from django.conf import settings
from django.core import signing
from django.utils.safestring import mark_safe

register = template.Library()

QR_PREFIX = "ybqr:"  # what a scanner at the counter reads; the token alone identifies nobody
COUNTER_SALT = "accounts.qr.counter"


def qr_payload(token: str) -> str:
    return f"{QR_PREFIX}{token}"


def counter_seconds() -> int:
    """How often the counter view renews its code (QR_COUNTER_SECONDS, 60)."""
    return int(getattr(settings, "QR_COUNTER_SECONDS", 60))


def counter_payload(token: str) -> str:
    """The counter view's code: the token signed with the current time."""
    return QR_PREFIX + signing.TimestampSigner(salt=COUNTER_SALT).sign(token)


@lru_cache(maxsize=2048)
def _svg(token: str, title: str) -> str:
    # A token's image never changes (refreshing makes a new token), so cache it:
    # encoding is most of a family card's rendering time.
    return segno.make(qr_payload(token), error="m").svg_inline(
        scale=4, border=2, title=title or None
    )


@register.simple_tag
def qr_svg(token: str, title: str = "") -> str:
    """Inline SVG of the QR code for `token` (segno renders it; no extra request)."""
    # segno escapes the title; the SVG is built from our own data only.
    return mark_safe(_svg(token, str(title)))  # noqa: S308


@register.simple_tag
def counter_qr_svg(payload: str, title: str = "") -> str:
    """Inline SVG of a counter code (changes every time: not cached)."""
    svg = segno.make(payload, error="m").svg_inline(scale=6, border=4, title=str(title) or None)
    return mark_safe(svg)  # noqa: S308


@register.simple_tag
def qr_svg_for(payload: str, title: str = "") -> str:
    """Inline SVG of a QR code for any text (e.g. an authenticator's otpauth://
    address); not cached, as such payloads are secrets shown once."""
    svg = segno.make(payload, error="m").svg_inline(scale=4, border=2, title=str(title) or None)
    return mark_safe(svg)  # noqa: S308 - segno escapes the title; the payload is encoded
