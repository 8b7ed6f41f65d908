"""The SMS outbox (read-only) and the people rules' numbers."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin.search import PersonSearchMixin
from accounts.models import (
    AccountsPolicy,
    OutboundMessage,
)
from accounts.models.outbox import purpose_label
from core import clock
from core.admin import AuditedAdmin, ReadOnlyAdmin, SingletonAdmin


class PurposeFilter(admin.SimpleListFilter):
    """The purposes found in the outbox, each named in a sentence."""

    title = _("purpose")
    parameter_name = "purpose"

    def lookups(self, request, model_admin):
        purposes = OutboundMessage.objects.values_list("purpose", flat=True).distinct()
        return [(value, purpose_label(value)) for value in sorted(purposes)]

    def queryset(self, request, queryset):
        return queryset.filter(purpose=self.value()) if self.value() else queryset


@admin.register(OutboundMessage)
class OutboundMessageAdmin(PersonSearchMixin, ReadOnlyAdmin):
    """The SMS outbox: what would have been sent (no real SMS leaves the portal)."""

    list_display = ["created_at", "phone", "person", "purpose_text", "text", "sent_at"]
    list_filter = [PurposeFilter, "created_at"]
    list_select_related = ["person"]
    search_fields = ["phone", "person__name"]
    fields = ["created_at", "phone", "person", "purpose_text", "text", "code_expires_at", "sent_at"]
    readonly_fields = fields
    actions = ["mark_sent"]

    @admin.display(description=_("purpose"), ordering="purpose")
    def purpose_text(self, obj: OutboundMessage) -> str:
        return purpose_label(obj.purpose)

    @admin.display(description=_("message"))
    def text(self, obj: OutboundMessage) -> str:
        # Masked outside the demo; even there only while it waits and is valid.
        return obj.staff_body

    def has_mark_sent_permission(self, request) -> bool:
        # The outbox stays read-only; only this action changes it (as a gateway would).
        return request.user.has_perm("accounts.change_outboundmessage")

    @admin.action(permissions=["mark_sent"], description=_("Mark as sent (the code is blanked)"))
    def mark_sent(self, request, queryset):
        """What an SMS gateway does after handing a text over: from then on the
        code in it can no longer be read here."""
        done = 0
        for message in queryset.filter(sent_at__isnull=True):
            message.sent_at = clock.now()
            message.save(update_fields=["sent_at"])
            message.redact()
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d text marked as sent.", "%(n)d texts marked as sent.", done)
            % {"n": done},
            messages.SUCCESS,
        )


@admin.register(AccountsPolicy)
class AccountsPolicyAdmin(SingletonAdmin, AuditedAdmin):
    list_display = [
        "__str__",
        "max_dependents",
        "review_age_limit",
        "code_ttl_minutes",
        "code_max_attempts",
        "facility_change_delay_days",
        "temporary_registration_months",
    ]
