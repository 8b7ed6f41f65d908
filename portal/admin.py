"""Where logins are logged in: administrators see every session and can end
any (ASVS V7); the person ends their own on the sessions page. Login lockouts
are lifted here too, under four eyes (S2), and staff authenticator enrolment
links are issued here (ASVS V6). A family member who lost their passkeys and
recovery codes has them removed here, after the office has checked who they
are (A10)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import LoginSession, Passkey, StaffEnrolmentLink
from portal.services import passkeys, two_factor
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


@admin.register(Passkey)
class PasskeyAdmin(admin.ModelAdmin):
    """Families' passkeys (A10): listed, never edited; removing one is audited
    and, with a login's last one, takes its recovery codes too."""

    list_display = ["user", "name", "created_at", "last_used_at", "backed_up"]
    list_filter = ["backed_up", "created_at"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]
    fields = ["user", "name", "created_at", "last_used_at", "backed_up", "sign_count"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj) -> None:
        passkeys.passkey_remove(actor=request.user, user=obj.user, passkey_id=obj.pk)

    def delete_queryset(self, request, queryset) -> None:
        for passkey in queryset.select_related("user"):
            passkeys.passkey_remove(actor=request.user, user=passkey.user, passkey_id=passkey.pk)


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


@admin.register(StaffEnrolmentLink)
class StaffEnrolmentLinkAdmin(admin.ModelAdmin):
    """Another administrator issues a staff member a one-time link to enrol their
    first authenticator (ASVS V6: no trust on first use); the link shows once,
    here, to hand over in person or by a trusted channel. Only its hash is kept."""

    list_display = ["user", "issued_by", "created_at", "expires_at", "used_at"]
    list_select_related = ["user", "issued_by"]
    fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Staff only, and never oneself: the link is another person's word.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
                .exclude(pk=request.user.pk)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        token = two_factor.enrolment_link_issue(user=obj.user, issued_by=request.user)
        obj.pk = StaffEnrolmentLink.objects.filter(user=obj.user).latest("pk").pk
        obj.refresh_from_db()
        url = request.build_absolute_uri(reverse("staff_enrol", args=[token]))
        self.message_user(
            request,
            _("Enrolment link for %(user)s, shown only now (valid %(hours)d hours, once): %(url)s")
            % {"user": obj.user, "hours": settings.STAFF_ENROL_LINK_HOURS, "url": url},
            messages.WARNING,
        )
