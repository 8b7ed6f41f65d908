"""A family login's passkeys (A10): the page that lists, adds and removes them,
and the login's second step that asks for one. The browser's half is
static/js/passkeys.js; the checks are in portal.services.passkeys."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from portal.auth_views import ConfirmPasswordForm, TokenForm, code_accepted, next_url, signed_out
from portal.models import Passkey
from portal.security import password_retyped
from portal.services import passkeys
from portal.services.sessions import sessions_end

CODES = "portal_passkey_recovery_codes"  # shown once, on the page after the first passkey


def _refusal(reason: str) -> str:
    return {
        "expired": _("That took too long. Press the button again."),
        "too_many": _("This login has as many passkeys as it may have. Remove one first."),
        "duplicate": _("This passkey is already on your login."),
    }.get(reason, _("The passkey's answer could not be checked. Try again."))


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# The passkeys page --------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET"])
def passkey_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    rp = passkeys.relying_party(request)
    context = {
        "allowed": passkeys.allowed_for(user),
        "usable": rp.usable,
        "rows": list(Passkey.objects.filter(user=user)),
        "codes": request.session.pop(CODES, None),
        "form": ConfirmPasswordForm(),
    }
    return render(request, "registration/passkeys.html", context)


@never_cache
@sensitive_post_parameters("password")
@login_required
@require_POST
def passkey_add_options(request: HttpRequest) -> HttpResponse:
    """Step one of adding a passkey: the password typed again (A5 counts a
    wrong one), then the options the browser makes the passkey with."""
    user = request.user
    if not passkeys.allowed_for(user):
        return JsonResponse({"error": _("Staff logins use the authenticator app.")}, status=403)
    right = password_retyped(request, request.POST.get("password", ""))
    if right is None:
        signed_out(request)
        return JsonResponse({"redirect": reverse("login")}, status=403)
    if not right:
        return JsonResponse(
            {"error": _("This is not your password."), "field": "password"}, status=400
        )
    rp = passkeys.relying_party(request)
    options = passkeys.registration_options(user=user, rp=rp, session=request.session)
    return HttpResponse(options, content_type="application/json")


@never_cache
@login_required
@require_POST
def passkey_add(request: HttpRequest) -> HttpResponse:
    """Step two: the passkey the browser made. Every other session of the login
    ends (they began with the password alone); this one counts as finished
    with the new passkey."""
    user = request.user
    if not passkeys.allowed_for(user):
        return JsonResponse({"error": _("Staff logins use the authenticator app.")}, status=403)
    body = _json_body(request)
    try:
        passkey, codes = passkeys.passkey_add(
            user=user,
            credential=body.get("credential"),
            name=str(body.get("name") or ""),
            rp=passkeys.relying_party(request),
            session=request.session,
        )
    except passkeys.PasskeyRefused as exc:
        return JsonResponse({"error": _refusal(str(exc))}, status=400)
    otp_login(request, passkey)
    request.session[passkeys.NEEDS_PASSKEY] = True
    sessions_end(actor=user, user=user, keep=request.session.session_key)
    if codes:
        request.session[CODES] = codes
    messages.success(
        request,
        _("Passkey “%(name)s” added. From now on, logging in asks for it after the password.")
        % {"name": passkey.name},
    )
    return JsonResponse({"redirect": reverse("passkeys")})


@never_cache
@sensitive_post_parameters("password")
@login_required
@require_POST
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Removing a passkey weakens the login: the password is typed again. Another
    login's passkey is not found, as anyone else's record."""
    form = ConfirmPasswordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type your password to remove a passkey."))
        return redirect("passkeys")
    right = password_retyped(request, form.cleaned_data["password"])
    if right is None:
        return signed_out(request)
    if not right:
        messages.error(request, _("This is not your password: the passkey was kept."))
        return redirect("passkeys")
    if not passkeys.passkey_remove(actor=request.user, user=request.user, passkey_id=passkey_id):
        raise Http404
    if not passkeys.has_passkeys(user=request.user):
        request.session.pop(passkeys.NEEDS_PASSKEY, None)  # a password login again
    messages.success(request, _("The passkey was removed."))
    return redirect("passkeys")


# The login's second step ----------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    return next_url(request, default="home")


@never_cache
@sensitive_post_parameters("token")
@login_required
@require_http_methods(["GET", "POST"])
def passkey_login(request: HttpRequest) -> HttpResponse:
    """After the password, a login with passkeys finishes here: with a passkey
    (the page's button; the browser's answer comes back as JSON) or with one of
    the recovery codes (the form below it, which works without JavaScript)."""
    user = request.user
    if user.is_verified() or not passkeys.has_passkeys(user=user):
        request.session.pop(passkeys.NEEDS_PASSKEY, None)
        return redirect(_next_url(request))
    if request.content_type == "application/json":
        return _passkey_answer(request)
    form = TokenForm(request.POST or None)
    if code_accepted(request, form):  # a recovery code: families have no authenticator
        passkeys.recovery_code_used(user=user)
        messages.warning(
            request,
            _("You used a recovery code; each works once. If your passkey is lost, add a new one."),
        )
        return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "usable": passkeys.relying_party(request).usable,
    }
    return render(request, "registration/passkey_login.html", context)


def _passkey_answer(request: HttpRequest) -> HttpResponse:
    body = _json_body(request)
    try:
        passkey = passkeys.passkey_verify(
            user=request.user,
            credential=body.get("credential"),
            rp=passkeys.relying_party(request),
            session=request.session,
        )
    except passkeys.PasskeyRefused as exc:
        return JsonResponse({"error": _refusal(str(exc))}, status=400)
    otp_login(request, passkey)
    return JsonResponse({"redirect": _next_url(request)})


@never_cache
@login_required
@require_POST
def passkey_login_options(request: HttpRequest) -> HttpResponse:
    rp = passkeys.relying_party(request)
    options = passkeys.authentication_options(user=request.user, rp=rp, session=request.session)
    return HttpResponse(options, content_type="application/json")
