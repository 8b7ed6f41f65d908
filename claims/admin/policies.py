"""Regional policies (C3, C4) with their rules inline, and the F4 reductions."""

from django.contrib import admin

from claims.models import (
    PolicyRule,
    RegionalPolicy,
)
from claims.models.policy import POLICY_RULE_TERMS


class PolicyRuleInline(admin.TabularInline):
    model = PolicyRule
    extra = 0
    fields = POLICY_RULE_TERMS


@admin.register(RegionalPolicy)
class RegionalPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "region",
        "year",
        "class_b_share",
        "referral_reduction",
        "other_temporary_reduction",
    )
    list_filter = ("year", "region__province")
    inlines = [PolicyRuleInline]
    list_select_related = ("region__province",)
    save_as = True
