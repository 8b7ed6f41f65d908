from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as accounts_selectors
from claims import selectors as claims_selectors
from portal.forms import SignUpForm
from portal.health import check_broker, check_database
from wallet import selectors as wallet_selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The family page: the user and each active dependent as a card. Each app
    adds its part of the card (money, bills) through its family_cards selector."""
    members = []
    if request.user.is_authenticated:
        members = accounts_selectors.family_members(user=request.user)
        wallet_cards = wallet_selectors.family_cards(persons=members)
        claims_cards = claims_selectors.family_cards(persons=members)
        for member in members:
            member.wallet_card = wallet_cards.get(member.pk)
            member.claims_card = claims_cards.get(member.pk)
    return render(request, "portal/home.html", {"members": members})


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what is down."""
    problems = {"database": check_database(), "broker": check_broker()}
    down = {name: reason for name, reason in problems.items() if reason}
    body = {name: (reason or "ok") for name, reason in problems.items()}
    body["status"] = "ok" if not down else _("down: %(parts)s") % {"parts": ", ".join(down)}
    return JsonResponse(body, status=503 if down else 200)
