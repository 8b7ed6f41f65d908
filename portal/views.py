from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors as accounts_selectors
from accounts.family_io import remember_own_person
from accounts.forms import DependentAddForm, empty_add_form_html
from claims import selectors as claims_selectors
from portal.health import check_broker, check_database
from wallet import selectors as wallet_selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The family page: the user and each active dependent as a card. Each app
    adds its part of the card (money, bills) through its family_cards selector.
    An htmx request (the section reloading after an action) gets the family
    section only. A constant number of queries however many dependents."""
    if not request.user.is_authenticated:
        return render(request, "portal/home.html", {"members": []})
    family = accounts_selectors.family_page(user=request.user)
    members = family.members
    # The page header names the login's insured person: the family's own record,
    # read above (None: a login not linked yet), so the header reads it no more.
    remember_own_person(user=request.user, person=family.own)
    wallet_cards = wallet_selectors.family_cards(persons=members)
    claims_cards = claims_selectors.family_cards(persons=members)
    for member in members:
        member.wallet_card = wallet_cards.get(member.pk)
        member.claims_card = claims_cards.get(member.pk)
    context = {
        "members": members,
        "own": family.own,
        "pending": family.pending,
        "requests_for_me": family.requests_for_me,
        "looked_after_by": family.looked_after_by,
        "add_form": DependentAddForm(),
        "add_form_html": empty_add_form_html(),
    }
    if request.htmx:
        return render(request, "portal/home.html#family", context)
    return render(request, "portal/home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what is down."""
    problems = {"database": check_database(), "broker": check_broker()}
    down = {name: reason for name, reason in problems.items() if reason}
    body = {name: (reason or "ok") for name, reason in problems.items()}
    body["status"] = "ok" if not down else _("down: %(parts)s") % {"parts": ", ".join(down)}
    return JsonResponse(body, status=503 if down else 200)


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
