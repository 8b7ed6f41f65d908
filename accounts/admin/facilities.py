"""Facilities (F1), designated-facility choices (F2), registrations (F3)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.admin.search import PersonSearchMixin
from accounts.models import (
    DesignatedFacilityChoice,
    Facility,
    NonLocalRegistration,
)
from core.admin import AuditedAdmin, ReadOnlyAdmin

# The flags the rules read (F1): outpatient pooling (F2), cross-province direct
# settlement (F4), chronic-disease settlement (C5), wallet payment (W11).
FLAGS = [
    "outpatient_pooling",
    "designated_outpatient",
    "cross_province_direct",
    "chronic_settlement",
    "wallet_payment",
]


@admin.register(Facility)
class FacilityAdmin(AuditedAdmin):
    """THE facility model (F1) and its flags, which the people rules (F2) and the
    claims rules (C5, F4, W11) read: editable in the list, every change audited."""

    list_display = ["code", "name", "region", "kind", "tier", *FLAGS]
    list_filter = ["region__province", "kind", "tier", *FLAGS]
    list_editable = FLAGS
    list_select_related = ["region__province"]
    search_fields = ["code", "name", "address", "region__name"]
    autocomplete_fields = ["region"]


@admin.register(DesignatedFacilityChoice)
class DesignatedFacilityChoiceAdmin(PersonSearchMixin, ReadOnlyAdmin):
    list_display = ["person", "facility", "effective_from", "chosen_at", "chosen_by"]
    list_filter = ["effective_from", "person__region__province"]
    list_select_related = ["person", "facility", "chosen_by"]
    search_fields = ["person__name", "person__phone", "facility__name"]


@admin.register(NonLocalRegistration)
class NonLocalRegistrationAdmin(PersonSearchMixin, admin.ModelAdmin):
    list_display = [
        "person",
        "kind",
        "destination",
        "start_date",
        "end_date",
        "proof",
        "status",
        "created_at",
    ]
    list_filter = ["status", "kind", "proof", "destination__province", "person__insurance_type"]
    list_select_related = ["person", "destination__province"]
    search_fields = ["person__name", "person__phone", "destination__name"]
    readonly_fields = [
        "person",
        "destination",
        "kind",
        "start_date",
        "end_date",
        "proof",
        "proof_link",
        "commitment_signed_name",
        "commitment_signed_at",
        "commitment_text",
        "status",
        "created_at",
        "created_by",
        "cancelled_at",
    ]
    fields = readonly_fields
    actions = ["cancel_registrations"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/proof/",
                self.admin_site.admin_view(self.proof_view),
                name="accounts_nonlocalregistration_proof",
            ),
            *super().get_urls(),
        ]

    def proof_view(self, request: HttpRequest, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        registration = NonLocalRegistration.objects.filter(pk=pk).first()
        if registration is None or not registration.proof_document:
            raise Http404
        return FileResponse(registration.proof_document.open("rb"))

    @admin.display(description=_("proof document"))
    def proof_link(self, obj):
        if not obj.proof_document:
            return "—"
        url = reverse("admin:accounts_nonlocalregistration_proof", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("view document"))

    @admin.action(description=_("Cancel selected registrations"), permissions=["change"])
    def cancel_registrations(self, request, queryset):
        done = 0
        for registration in queryset.filter(status=NonLocalRegistration.Status.ACTIVE):
            services.registration_cancel(actor=request.user, registration=registration)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d registration cancelled.", "%(n)d registrations cancelled.", done)
            % {"n": done},
        )
