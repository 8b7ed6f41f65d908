"""Sign-up by proving the phone on one's insurance record, and a new password by
SMS code (A1). Two steps each; the second step's page reads the same whatever
the first step found (accounts.services.signup)."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from accounts.services import signup as signup_services
from core.floors import no_sooner_than
from portal.forms import (
    PasswordResetFinishForm,
    PasswordResetStartForm,
    SignUpFinishForm,
    SignUpStartForm,
)
from portal.security import client_ip
from portal.services.sessions import sessions_end

SIGNUP = "portal_signup"  # session: {"challenge": pk, "national_id": ..., "name": ...}
RESET = "portal_reset"  # session: {"challenge": pk, "identifier": ...}
BACKEND = "portal.security.LoginGateBackend"


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@never_cache
@sensitive_post_parameters("national_id")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Step 1: ID number + name. Whatever they find, the next page says a code
    was sent if they match a record (A1)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            challenge = signup_services.signup_start(
                national_id=data["national_id"], name=data["name"], address=client_ip(request)
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            request.session[SIGNUP] = {
                "challenge": challenge.pk,
                "national_id": data["national_id"],
                "name": data["name"],
            }
            return redirect("signup_code")
    return render(request, "registration/signup.html", {"form": form})


@never_cache
@sensitive_post_parameters("code", "password1", "password2")
@require_http_methods(["GET", "POST"])
def signup_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the text, the username and the password. Only the
    right code creates the login and links it to the record."""
    if request.user.is_authenticated:
        return redirect("home")
    state = request.session.get(SIGNUP)
    if not state:
        return redirect("signup")
    form = SignUpFinishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signup_services.signup_finish(
                challenge_id=state["challenge"],
                code=form.cleaned_data["code"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            request.session.pop(SIGNUP, None)
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome! Your login is linked to your insurance record."))
            return redirect("home")
    return render(request, "registration/signup_code.html", {"form": form})


@require_POST
def signup_resend(request: HttpRequest) -> HttpResponse:
    """A new code (the SMS limits apply; the answer reads the same as step 1's)."""
    state = request.session.get(SIGNUP)
    if not state:
        return redirect("signup")
    try:
        challenge = signup_services.signup_start(
            national_id=state["national_id"], name=state["name"], address=client_ip(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        request.session[SIGNUP] = {**state, "challenge": challenge.pk}
        messages.info(request, _("If the details match a record, a new code was sent."))
    return redirect("signup_code")


def _reset_start(request: HttpRequest, identifier: str):
    """password_reset_start, answered no sooner than RESET_ANSWER_MS (A6): a
    found login and an unknown one take the same time."""
    with no_sooner_than(settings.RESET_ANSWER_MS):
        return signup_services.password_reset_start(
            identifier=identifier, address=client_ip(request) or ""
        )


@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    """A new password, step 1: the username or phone number."""
    form = PasswordResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            challenge = _reset_start(request, identifier)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            request.session[RESET] = {"challenge": challenge.pk, "identifier": identifier}
            return redirect("password_forgot_code")
    return render(request, "registration/password_forgot.html", {"form": form})


@never_cache
@sensitive_post_parameters("code", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_forgot_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code and the new password. Every other session of the login
    ends; the person logs in again with the new password."""
    state = request.session.get(RESET)
    if not state:
        return redirect("password_forgot")
    login = accounts_selectors.reset_login(challenge_id=state["challenge"])
    if login is None:
        # No login was found: the new password is checked against what was
        # typed, as a found login's is against its username (A6: same answer).
        login = get_user_model()(username=state["identifier"])
    form = PasswordResetFinishForm(login, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signup_services.password_reset_finish(
                challenge_id=state["challenge"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            request.session.pop(RESET, None)
            # Proving the phone lifts a login lockout of this login (not of the address).
            axes_reset(username=user.get_username())
            sessions_end(actor=user, user=user)  # every session of the login, at once
            messages.success(
                request,
                _(
                    "Your password was changed, and every other session of your login was "
                    "ended. Log in with the new password."
                ),
            )
            return redirect("login")
    return render(request, "registration/password_forgot_code.html", {"form": form})


@require_POST
def password_forgot_resend(request: HttpRequest) -> HttpResponse:
    state = request.session.get(RESET)
    if not state:
        return redirect("password_forgot")
    try:
        challenge = _reset_start(request, state["identifier"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        request.session[RESET] = {**state, "challenge": challenge.pk}
        messages.info(request, _("If the details match a login, a new code was sent."))
    return redirect("password_forgot_code")
