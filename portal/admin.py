"""Where logins are logged in: administrators see every session and can end
any (ASVS V7); the person ends their own on the sessions page. Login lockouts
are lifted here too, under four eyes (S2)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import LoginSession
from portal.services.lockouts import lockout_lift
from portal.services.sessions import sessions_end

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Lockouts (django-axes): lifting one deletes its attempts, audited and
    under four eyes beyond the day's limit per member of staff (S2)."""

    def delete_model(self, request, obj) -> None:
        lockout_lift(acting_user=request.user, attempts=AccessAttempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        lockout_lift(acting_user=request.user, attempts=queryset)


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "started_at", "last_seen", "ip", "user_agent", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter), "started_at"]
    search_fields = ["user__username", "ip"]
    list_select_related = ["user"]
    readonly_fields = ["user", "ip", "user_agent", "started_at", "last_seen", "ended_at"]
    exclude = ["session_key"]  # a live session key is a credential: never shown
    actions = ["end_sessions"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_end_permission(self, request) -> bool:
        return request.user.has_perm("portal.change_loginsession")

    @admin.action(permissions=["end"], description=_("End the selected sessions"))
    def end_sessions(self, request, queryset):
        ended = 0
        for user_id in set(queryset.values_list("user_id", flat=True)):
            rows = list(queryset.filter(user_id=user_id).values_list("pk", flat=True))
            user = queryset.filter(user_id=user_id).first().user
            ended += sessions_end(actor=request.user, user=user, only=rows)
        self.message_user(
            request,
            ngettext("%(n)d session ended.", "%(n)d sessions ended.", ended) % {"n": ended},
            messages.SUCCESS,
        )


# Staff authenticators and recovery codes (django-otp): its admin, with the
# section titles and search hint in the reader's language.
SECTION_TITLES = {
    "Identity": _("Device"),
    "Timestamps": _("Times"),
    "Configuration": _("Settings"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}


def _translated(fieldsets):
    return [(SECTION_TITLES.get(title, title), options) for title, options in fieldsets]


class AuthenticatorAdmin(TOTPDeviceAdmin):
    search_help_text = _("Search by login")

    def get_fieldsets(self, request, obj=None):
        return _translated(super().get_fieldsets(request, obj))


class RecoveryCodesAdmin(StaticDeviceAdmin):
    search_help_text = _("Search by login")

    def get_fieldsets(self, request, obj=None):
        return _translated(super().get_fieldsets(request, obj))


# django-axes' lockout list: its "status" column has no heading of its own.
AccessAttemptAdmin.status.short_description = _("status")

for _model, _admin in ((TOTPDevice, AuthenticatorAdmin), (StaticDevice, RecoveryCodesAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
