"""Logging in and staying safely logged in: the login page (username or phone
number), the lockout page, the staff second factor, and the page that gives
back a form sent after the session ended."""

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as django_auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login

from accounts.backends import axes_username
from core import clock
from portal.browsers import browser_name
from portal.forms import LoginForm, RetypedPasswordChangeForm
from portal.middleware import KEPT_FORM
from portal.security import password_retyped
from portal.services import two_factor
from portal.services.sessions import session_rekey, sessions_active, sessions_end


class LoginView(django_auth_views.LoginView):
    """Django's login, by username or phone number; after a few wrong passwords
    it says how many tries are left before the lockout."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_logins"] = demo_logins()
        return context

    def form_invalid(self, form):
        failures = getattr(self.request, "axes_failures_since_start", None)
        if failures:
            left = settings.AXES_FAILURE_LIMIT - failures
            if 0 < left <= 2:
                note = ngettext(
                    "%(left)d more wrong try and this login is locked for %(minutes)d minutes.",
                    "%(left)d more wrong tries and this login is locked for %(minutes)d minutes.",
                    left,
                )
                form.add_error(None, note % {"left": left, "minutes": _cooloff_minutes()})
        return super().form_invalid(form)


def demo_logins() -> list:
    """The demo's logins, on the login page of a local run only (DEBUG, with the
    demo loaded): never in production, where DEBUG is off."""
    if not settings.DEBUG:
        return []
    from django.contrib.auth import get_user_model

    from portal.demo import DEMO_LOGINS

    if not get_user_model().objects.filter(username=DEMO_LOGINS[0][0]).exists():
        return []
    return DEMO_LOGINS


def _cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):
    """django-axes' answer to a locked-out login or address (429): the login
    page's layout, in the portal's language, saying when to try again."""
    username = axes_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")
    who = Q(ip_address=ip)
    if username:
        who |= Q(username=username)
    last = AccessAttempt.objects.filter(who).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last or clock.real_now()) + settings.AXES_COOLOFF_TIME
    template = "registration/locked_out.html"
    if request.path_info.startswith(reverse("admin:index")):
        template = "admin/locked_out.html"
    context = {
        "retry_at": timezone.localtime(retry_at),
        "minutes": _cooloff_minutes(),
        "limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, template, context, status=429)


# Staff second factor ---------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def next_url(request: HttpRequest, default: str = "admin:index") -> str:
    """Where a second step sends the login once finished: the page asked for,
    when it is on this site, else `default` (a URL name)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def code_accepted(request: HttpRequest, form: "TokenForm") -> bool:
    """The second step's code form, sent: an authenticator's or a recovery code,
    checked once any wait that wrong codes earned is over. True when it
    finished this session's login; otherwise the form carries the reason."""
    if request.method != "POST" or not form.is_valid():
        return False
    wait = two_factor.throttled_for(user=request.user)
    if wait:
        form.add_error("token", _too_many(wait))
        return False
    device = two_factor.second_factor_verify(user=request.user, token=form.cleaned_data["token"])
    if device is None:
        form.add_error("token", _("This code is not right, or was already used."))
        return False
    otp_login(request, device)
    return True


@never_cache
@sensitive_post_parameters("token")
@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """A staff login proves its second factor here: a code from the
    authenticator app or a recovery code. Without an authenticator yet, it
    enrols one first (QR code, then a code it shows, then recovery codes)."""
    user = request.user
    if not (user.is_staff or user.is_superuser):
        return redirect("home")
    if user.is_verified():
        return HttpResponseRedirect(next_url(request))
    if not two_factor.has_authenticator(user=user):
        if two_factor.enrolment_link_valid(user=user, pk=request.session.get(ENROL_LINK)) is None:
            # Not trust-on-first-use: whoever has only the password cannot
            # put their own phone on a staff login.
            return render(request, "registration/two_factor_no_device.html", status=403)
        return _enrol(request)
    form = TokenForm(request.POST or None)
    if code_accepted(request, form):
        return HttpResponseRedirect(next_url(request))
    return render(
        request, "registration/two_factor.html", {"form": form, "next": next_url(request)}
    )


ENROL_LINK = "portal_staff_enrol_link"


@never_cache
@login_required
@require_GET
def staff_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time enrolment link, opened by the staff member it was issued for,
    logged in with their password: this session may then enrol an authenticator
    (the second-factor page shows the QR code)."""
    link = two_factor.enrolment_link_valid(user=request.user, token=token)
    if link is None:
        return render(request, "registration/two_factor_link_invalid.html", status=404)
    request.session[ENROL_LINK] = link.pk
    return redirect("two_factor")


def _too_many(wait: int) -> str:
    return ngettext(
        "Too many wrong codes: wait %(seconds)d second, then try again.",
        "Too many wrong codes: wait %(seconds)d seconds, then try again.",
        wait,
    ) % {"seconds": wait}


def _enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = two_factor.totp_pending(user=user)
    form = TokenForm(request.POST or None)
    wait = two_factor.throttled_for(user=user, pending=device)
    if request.method == "POST" and form.is_valid() and wait:
        form.add_error("token", _too_many(wait))
    elif request.method == "POST" and form.is_valid():
        confirmed, codes = two_factor.totp_enrol(
            user=user, token=form.cleaned_data["token"], link_id=request.session.get(ENROL_LINK)
        )
        if confirmed is not None:
            request.session.pop(ENROL_LINK, None)
            otp_login(request, confirmed)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": next_url(request)},
            )
        form.add_error(
            "token",
            _("This code is not right: check the phone's clock and enter the newest code."),
        )
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "config_url": device.config_url,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": next_url(request),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
@login_required
@require_http_methods(["POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A verified staff member renews the recovery codes (the old ones stop working)."""
    user = request.user
    if not (user.is_staff or user.is_superuser) or not user.is_verified():
        return redirect("home")
    codes = two_factor.recovery_codes_renew(user=user)
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": codes, "next": reverse("admin:index")},
    )


# A form sent after the session ended -----------------------------------------------


@never_cache
@login_required
@require_GET
def kept_form(request: HttpRequest) -> HttpResponse:
    """The form someone was sending when their session ended, offered back
    with its fields (passwords and codes excepted) and a button that sends it
    to where it was going. Kept for the same person only, and shown once."""
    kept = request.session.pop(KEPT_FORM, None)
    if not kept or kept.get("user") != request.user.pk:
        return redirect("home")
    path = kept["path"]
    if not url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}):
        return redirect("home")
    context = {"path": path, "fields": kept["fields"]}
    return render(request, "registration/kept_form.html", context)


# Password change and where one is logged in ------------------------------------------


class PasswordChangeView(django_auth_views.PasswordChangeView):
    """Django's password change; every other session of the login ends with it
    (Django's session check would refuse them at their next request; ending
    them here also takes them off the list of where one is logged in). The old
    password counts as a login try (A5): the fifth wrong one signs out."""

    form_class = RetypedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            return signed_out(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # keeps this session under a new key
        session_rekey(old=old_key, new=self.request.session.session_key)
        sessions_end(
            actor=self.request.user,
            user=self.request.user,
            keep=self.request.session.session_key,
        )
        return response


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def signed_out(request: HttpRequest) -> HttpResponse:
    """Too many wrong re-typed passwords (A5): the session ends; django-axes'
    middleware answers with the lockout page."""
    logout(request)
    return redirect("login")


@never_cache
@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def login_sessions(request: HttpRequest) -> HttpResponse:
    """Where this login is logged in (browser, address, since, last active),
    with a button that ends every other session after the password is typed
    again (ASVS V7)."""
    user = request.user
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        right = password_retyped(request, form.cleaned_data["password"])
        if right is None:
            return signed_out(request)
        if right:
            ended = sessions_end(actor=user, user=user, keep=request.session.session_key)
            messages.success(
                request,
                ngettext(
                    "%(n)d other session was ended.", "%(n)d other sessions were ended.", ended
                )
                % {"n": ended},
            )
            return redirect("login_sessions")
        form.add_error("password", _("This is not your password."))
    rows = list(sessions_active(user=user))
    for row in rows:
        row.current = row.session_key == request.session.session_key
        row.browser = browser_name(row.user_agent)
    return render(request, "registration/login_sessions.html", {"rows": rows, "form": form})
