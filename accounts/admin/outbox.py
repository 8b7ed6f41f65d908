"""The SMS outbox (read-only) and the people rules' numbers."""

from django.contrib import admin

from accounts.admin.search import PersonSearchMixin
from accounts.models import (
    AccountsPolicy,
    OutboundMessage,
)
from core.admin import AuditedAdmin, ReadOnlyAdmin, SingletonAdmin


@admin.register(OutboundMessage)
class OutboundMessageAdmin(PersonSearchMixin, ReadOnlyAdmin):
    """The SMS outbox: what would have been sent (no real SMS leaves the portal)."""

    list_display = ["created_at", "phone", "person", "purpose", "body"]
    list_filter = ["purpose", "created_at"]
    list_select_related = ["person"]
    search_fields = ["phone", "person__name", "body"]


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
