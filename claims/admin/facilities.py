"""Search extras on THE facility model (F1). It lives in accounts; if the people
app registered an admin for it, ours extends that one."""

from django.contrib import admin

from accounts.models import Facility

_registered = admin.site._registry.get(Facility)
_FacilityBase = type(_registered) if _registered is not None else admin.ModelAdmin
if _registered is not None:
    admin.site.unregister(Facility)


@admin.register(Facility)
class FacilityAdmin(_FacilityBase):
    list_display = (
        "code",
        "name",
        "region",
        "kind",
        "tier",
        "outpatient_pooling",
        "designated_outpatient",
        "cross_province_direct",
        "chronic_settlement",
        "wallet_payment",
    )
    list_filter = (
        "region__province",
        "kind",
        "tier",
        "outpatient_pooling",
        "designated_outpatient",
        "cross_province_direct",
        "chronic_settlement",
        "wallet_payment",
    )
    list_editable = (
        "outpatient_pooling",
        "designated_outpatient",
        "cross_province_direct",
        "chronic_settlement",
        "wallet_payment",
    )
    search_fields = ("code", "name", "address")
    list_select_related = ("region__province",)
