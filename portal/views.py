import sys

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from accounts import selectors as accounts_selectors
from accounts import services as accounts_services
from accounts.forms import DependentAddForm, empty_add_form_html
from accounts.selectors import remember_own_person
from claims import selectors as claims_selectors
from core.reads import read_together
from portal.context_processors import frame_facts, remember_frame_facts
from portal.health import (
    check_broker,
    check_database,
    jobs_status,
    ledger_check_status,
    replica_status,
)
from wallet import selectors as wallet_selectors


def _requests(family: accounts_selectors.FamilyPage) -> dict:
    """Requests waiting for an answer either way, and who looks after the
    user's own record: the family page and the family tab show them alike."""
    return {
        "pending": family.pending,
        "requests_for_me": family.requests_for_me,
        "looked_after_by": family.looked_after_by,
    }


def _elder_home(request: HttpRequest, family: accounts_selectors.FamilyPage) -> HttpResponse:
    """Elder mode's home: large buttons for the QR code, the wallet's balance,
    the family, the messages and a call to family (where a phone is on record)."""
    remember_own_person(user=request.user, person=family.own)
    card = None
    if family.own is not None:
        card = wallet_selectors.family_cards(persons=[family.own]).get(family.own.pk)
    context = {
        "own": family.own,
        "card": card,
        "requests_for_me": family.requests_for_me,
        "phones": accounts_selectors.phones_to_call(family=family),
    }
    return render(request, "portal/elder_home.html", context)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home page (首页): the user and each active dependent as a card with
    the QR code; each app adds its part of the card (money, the year at a
    glance) through its family_cards selector; what is arranged for each person
    (facility, registrations) is on the family tab.
    An htmx request (the section reloading after an action) gets the family
    section only. A constant number of queries however many dependents."""
    if not request.user.is_authenticated:
        return render(request, "portal/home.html", {"members": []})
    # Two round trips however many apps draw the page (each costs milliseconds
    # on a busy machine): the family with the frame's facts, then every card.
    family, facts = read_together(
        [
            accounts_selectors.family_page_read(user=request.user),
            accounts_selectors.frame_facts_read(user_id=request.user.pk),
        ]
    )
    remember_frame_facts(request, facts)
    if frame_facts(request)["elder"] and not request.htmx:
        return _elder_home(request, family)
    members = family.members
    # The page header names the login's insured person: the family's own record,
    # read above (None: a login not linked yet), so the header reads it no more.
    remember_own_person(user=request.user, person=family.own)
    wallet_cards, claims_cards = {}, {}
    if members:
        wallet_cards, claims_cards = read_together(
            [
                wallet_selectors.family_cards_read(persons=members),
                claims_selectors.family_cards_read(persons=members),
            ]
        )
    for member in members:
        member.wallet_card = wallet_cards.get(member.pk)
        member.claims_card = claims_cards.get(member.pk)
    glances = [card["glance"] for card in claims_cards.values()]
    context = {
        "members": members,
        # Transfers waiting for someone's answer, first on the page.
        "waiting": [m for m in members if m.wallet_card and m.wallet_card.pending_in],
        "own": family.own,
        # The family's year: what the fund paid, what the family paid.
        "family_year": {
            "bills": sum(g.bills for g in glances),
            "total": sum(g.total for g in glances),
            "fund": sum(g.fund_paid for g in glances),
            "personal": sum(g.personal for g in glances),
        },
        **_requests(family),
    }
    if request.htmx:
        return render(request, "portal/home.html#family", context)
    return render(request, "portal/home.html", context)


@login_required
@require_GET
def family(request: HttpRequest) -> HttpResponse:
    """The family tab (家人): each person with what is arranged for them (the
    designated facility, changed in place; non-local registrations) and what can
    be done for them, requests to answer or waiting for an answer, who looks
    after the user's own record, and the form to add a relative. The list
    reloads itself after an action (htmx event familyChanged). The home page
    keeps to each person's QR code, money and year at a glance."""
    family = accounts_selectors.family_page(user=request.user)
    context = {"members": family.members, "own": family.own, **_requests(family)}
    if request.htmx:
        return render(request, "portal/family.html#family-list", context)
    context["add_form"] = DependentAddForm()
    context["add_form_html"] = empty_add_form_html()
    return render(request, "portal/family.html", context)


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """我的: the person's own record, elder mode, settings, signing out."""
    return render(
        request, "portal/me.html", {"own": accounts_selectors.own_person(user=request.user)}
    )


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switch (Django's set_language: the cookie, then back to the
    page); a logged-in login keeps the choice for its other browsers too."""
    response = set_language(request)
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(chosen):
        accounts_services.preference_set(user=request.user, language=chosen)
    return response


@login_required
@require_POST
def elder_mode_set(request: HttpRequest) -> HttpResponse:
    """Switch elder mode (长辈模式) on or off for this login."""
    on = request.POST.get("on") == "1"
    accounts_services.preference_set(user=request.user, elder_mode=on)
    if on:
        messages.success(
            request, _("Elder mode is on: larger text and buttons, the essentials first.")
        )
    else:
        messages.success(request, _("Elder mode is off."))
    return redirect("me")


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """消息中心: the login's messages, newest first, unread ones marked."""
    page = Paginator(accounts_selectors.inbox_for(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/inbox.html", {"page": page})


@login_required
@require_GET
def inbox_open(request: HttpRequest, message_id: int) -> HttpResponse:
    """Open a message: it is marked read and the page it is about opens."""
    message = accounts_services.inbox_open(user=request.user, message_id=message_id)
    return redirect(message.link or "inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    done = accounts_services.inbox_read_all(user=request.user)
    if done:
        messages.success(request, _("All messages are marked read."))
    return redirect("inbox")


# What is down, as a sentence an operator reads on the status page.
DOWN = {
    "database": _lazy("The database does not answer, so no page can be shown."),
    "broker": _lazy(
        "The job queue (broker) does not answer, so texts, settlements and other "
        "background work wait until it is back."
    ),
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 saying what is down and
    why, in words. Also the last ledger reconciliation (W10): a difference there
    is for an operator to look at, not a reason to take the site out of service."""
    database, broker = check_database(), check_broker()
    body = {
        "database": _("the database does not answer: %(reason)s") % {"reason": database}
        if database
        else "ok",
        "broker": _("the job queue (broker) does not answer: %(reason)s") % {"reason": broker}
        if broker
        else "ok",
    }
    down = [name for name, reason in (("database", database), ("broker", broker)) if reason]
    if not database:
        body["ledger_check"] = ledger_check_status()
        body["jobs"] = jobs_status()
        replica = replica_status()
        if replica is not None:
            body["replica"] = replica
    body["status"] = " ".join(str(DOWN[name]) for name in down) if down else "ok"
    return JsonResponse(body, status=503 if down else 200)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A request cut off by the database (the connection dropped or
    was terminated, a failover) gets 503 and "try again" — every write is one
    transaction, so nothing was half-done, and the forms that move money carry
    an idempotency key, so sending one again is safe. Anything else: the 500 page.
    Rendered without a context: the database may still be away."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        body = loader.get_template("503.html").render()
        return HttpResponse(body, status=503, headers={"Retry-After": "5"})
    return defaults.server_error(request)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("favicon.svg"), permanent=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with a missing or stale CSRF token: the page, in the portal's
    layout and language, tells the person to reload and carries a fresh token."""
    context = {"no_cookie": reason == REASON_NO_CSRF_COOKIE}
    return render(request, "403_csrf.html", context, status=403)


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST (Django 5). A typed or bookmarked /logout/ gets a page
    with the button instead of an empty 405; signed-out visitors go home."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("home")
        return render(request, "registration/logout_confirm.html")
