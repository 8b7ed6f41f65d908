"""The claims settings row and the commercial plans (C5, T2, T3)."""

from django.contrib import admin

from claims.models import (
    ClaimsSettings,
    CommercialPlan,
)


@admin.register(ClaimsSettings)
class ClaimsSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "chronic_validity_years",
        "default_class_b_share",
        "tax_threshold",
        "tax_cap",
    )

    def has_add_permission(self, request) -> bool:
        return not ClaimsSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommercialPlan)
class CommercialPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "rate_with_basic", "rate_without_basic", "position")
    list_editable = ("rate_with_basic", "rate_without_basic", "position")
