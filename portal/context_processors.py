"""What every page's frame needs: which tab is current, the person's name for the
greeting, the unread messages badge, elder mode. Lazy: nothing here queries the
database unless the page being drawn reads it (admin pages never do), and then
one query answers all three."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import selectors as accounts_selectors
from core import clock

# The phone tab bar's five sections (首页 · 家人 · 钱包 · 费用 · 我的), keyed by
# the URL namespace or name a page is served under.
SECTIONS = {
    "home": "home",
    "accounts": "family",
    "family": "family",
    "wallet": "wallet",
    "claims": "costs",
    "me": "me",
    "inbox": "me",
    "password_change": "me",
    "password_change_done": "me",
    "logout": "me",
}


def section_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return SECTIONS.get(match.namespace) or SECTIONS.get(match.url_name or "", "")


def frame_facts(request: HttpRequest) -> dict:
    """The signed-in login's name (their insured record's, else the login), unread
    messages and elder mode, in one query, once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"name": "", "unread": 0, "elder": False}
    cached = getattr(request, "_frame_facts", None)
    if cached is None:
        cached = remember_frame_facts(request, accounts_selectors.frame_facts(user_id=user.pk))
    return cached


def remember_frame_facts(request: HttpRequest, facts: tuple[str | None, int, bool]) -> dict:
    """Keep the frame's facts (accounts.selectors.frame_facts' three) a view read
    already (with its own reads, in one round trip), so the frame reads them no
    more."""
    name, unread, elder = facts
    cached = {"name": name or request.user.get_username(), "unread": unread, "elder": elder}
    request._frame_facts = cached
    return cached


def test_clock_now():
    """The portal's time while a test clock is set (core/clock.py), else None:
    every page, the admin's included, says so in a banner."""
    if not clock.enabled() or not clock.offset():
        return None
    return clock.localtime()


def portal(request: HttpRequest) -> dict:
    return {
        "test_clock": test_clock_now(),
        "section": SimpleLazyObject(lambda: section_of(request)),
        "display_name": SimpleLazyObject(lambda: frame_facts(request)["name"]),
        "unread_count": SimpleLazyObject(lambda: frame_facts(request)["unread"]),
        "elder_mode": SimpleLazyObject(lambda: frame_facts(request)["elder"]),
    }
