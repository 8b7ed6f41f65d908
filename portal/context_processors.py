"""What every page's frame needs: which tab is current, the person's name for the
greeting, elder mode. Lazy: nothing here queries the database unless the page
being drawn reads it (admin pages never do)."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

# The phone tab bar's five sections (首页 · 家人 · 钱包 · 费用 · 我的), keyed by
# the URL namespace or name a page is served under.
SECTIONS = {
    "home": "home",
    "accounts": "family",
    "family": "family",
    "wallet": "wallet",
    "claims": "costs",
    "me": "me",
    "password_change": "me",
    "password_change_done": "me",
    "logout": "me",
}


def section_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return SECTIONS.get(match.namespace) or SECTIONS.get(match.url_name or "", "")


def display_name(request: HttpRequest) -> str:
    """The name a person is greeted by: their insured record's name, else the login."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    cached = getattr(request, "_display_name", None)
    if cached is None:
        name = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list("insured_person__name", flat=True)
            .first()
        )
        cached = name or user.get_username()
        request._display_name = cached
    return cached


def elder_mode(request: HttpRequest) -> bool:
    """Elder mode (长辈模式): larger text and targets, essentials only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(request.session.get("elder_mode"))


def portal(request: HttpRequest) -> dict:
    return {
        "section": SimpleLazyObject(lambda: section_of(request)),
        "display_name": SimpleLazyObject(lambda: display_name(request)),
        "elder_mode": SimpleLazyObject(lambda: elder_mode(request)),
    }
