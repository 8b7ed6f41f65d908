"""Lifting a login's lockout from the admin (A1, S2): the action 解除锁定 on
logins and on insured persons, a confirmation page, and — past the day's
allowance — a second member of staff who approves at the same desk."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import selectors
from accounts.services.lockouts import lift_needs_second, lockout_lift


class SecondStaffForm(forms.Form):
    """S2: the second member of staff types their own login and password."""

    second_username = forms.CharField(label=_("Second member of staff: login"), max_length=150)
    second_password = forms.CharField(
        label=_("Their password"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.second = None

    def clean(self):
        cleaned = super().clean()
        username, password = cleaned.get("second_username"), cleaned.get("second_password")
        if username and password:
            user = authenticate(self.request, username=username, password=password)
            if user is None or not user.is_staff:
                raise forms.ValidationError(
                    _("That is not the login and password of a member of staff.")
                )
            self.second = user
        return cleaned


def lift_lockouts(modeladmin, request, users: list, *, selected: list, action: str):
    """The confirmation page, then each login's lockout lifted (one audit row
    each). `selected`: the pks of the rows chosen in the list, sent back."""
    needs_second = lift_needs_second(actor=request.user, more=len(users))
    posted = request.POST.get("post") == "yes"
    form = SecondStaffForm(request.POST if posted else None, request=request)
    if not posted or (needs_second and not form.is_valid()):
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Lift the lockout"),
            "opts": modeladmin.model._meta,
            "logins": [
                (user, selectors.login_is_locked(username=user.get_username())) for user in users
            ],
            "selected": selected,
            "action": action,
            "form": form if needs_second else None,
            "four_eyes_limit": settings.FOUR_EYES_LOCKOUT_LIFTS,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/lockout_lift.html", context)
    done = 0
    for user in users:
        try:
            lockout_lift(actor=request.user, user=user, second=form.second)
        except PermissionDenied as exc:
            modeladmin.message_user(request, f"{user.get_username()}: {exc}", messages.ERROR)
        else:
            done += 1
    modeladmin.message_user(
        request,
        ngettext("%(n)d login may log in again.", "%(n)d logins may log in again.", done)
        % {"n": done},
        messages.SUCCESS if done else messages.WARNING,
    )
    return None


class LockoutLiftMixin:
    """The 解除锁定 action for an admin whose rows are logins, or have one
    (``login_of(obj)``)."""

    def login_of(self, obj):
        return obj

    def has_lift_lockout_permission(self, request) -> bool:
        return request.user.has_perm("axes.delete_accessattempt")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The change page offers the lift when this row's login is locked now."""
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        user = self.login_of(obj) if obj is not None else None
        if (
            user is not None
            and self.has_lift_lockout_permission(request)
            and selectors.login_is_locked(username=user.get_username())
        ):
            extra_context["lockout_login"] = user.get_username()
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(permissions=["lift_lockout"], description=_("Lift the lockout (A1)"))
    def lift_lockout(self, request, queryset):
        users = [user for user in (self.login_of(obj) for obj in queryset) if user is not None]
        if not users:
            self.message_user(request, _("None of the selected has a login."), messages.WARNING)
            return None
        selected = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        return lift_lockouts(self, request, users, selected=selected, action="lift_lockout")


class LockedOutFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("1", _("Locked out now"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(username__in=selectors.locked_logins())
        return queryset


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LoginAdmin(LockoutLiftMixin, UserAdmin):
    """Django's logins, with the lockout lifted in one action."""

    list_filter = [LockedOutFilter, *UserAdmin.list_filter]
    actions = ["lift_lockout"]
