"""The claims settings row and the commercial plans (C5, M4, T2, T3)."""

from django.contrib import admin

from claims.models import (
    ClaimsSettings,
    CommercialPlan,
)
from core.admin import SingletonAdmin


@admin.register(ClaimsSettings)
class ClaimsSettingsAdmin(SingletonAdmin):
    list_display = (
        "__str__",
        "chronic_validity_years",
        "default_class_b_share",
        "unregistered_claim_reduction",
        "tax_threshold",
        "tax_cap",
    )


@admin.register(CommercialPlan)
class CommercialPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "rate_with_basic", "rate_without_basic", "position")
    list_editable = ("rate_with_basic", "rate_without_basic", "position")
