from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import SignUpForm
from portal.health import check_broker, check_database


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})


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
