"""Admin for claims: directory (+ CSV import), regional policies, diseases and
recognitions (approve / refuse), bills (inline lines, settle, CSV import with a
per-row error report), running totals, settings — and search extras on THE
facility model from accounts (F1)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Facility
from claims.models import (
    Bill,
    BillLine,
    ChronicRecognition,
    ClaimsSettings,
    CommercialPlan,
    DirectoryItem,
    DirectoryVersion,
    Disease,
    PersonYearTotals,
    PolicyRule,
    RegionalPolicy,
)
from claims.reasons import REASONS
from claims.selectors import bill_recompute
from claims.services.bills import RESULT_FIELDS, bill_settle
from claims.services.chronic import recognition_approve, recognition_refuse
from claims.services.imports import BILL_COLUMNS, DIRECTORY_COLUMNS, bill_import, directory_import
from claims.tasks import bills_settle

# --- Facilities (F1): the model lives in accounts; claims adds the search extras.

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


# --- Imports -----------------------------------------------------------------


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


class DirectoryUploadForm(CsvUploadForm):
    version = forms.ModelChoiceField(
        queryset=DirectoryVersion.objects.all(), label=gettext_lazy("Directory version")
    )


class BillUploadForm(CsvUploadForm):
    settle = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Settle the bills at once")
    )


def _import_view(model_admin, request, *, form_class, columns, run, title):
    form = form_class(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = run(form.cleaned_data)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            level = messages.WARNING if report.errors else messages.SUCCESS
            model_admin.message_user(
                request,
                _("%(created)d added, %(updated)d updated, %(errors)d rows with errors.")
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "errors": len(report.errors),
                },
                level,
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "columns": columns,
        "report": report,
    }
    return TemplateResponse(request, "admin/claims/import.html", context)


# --- Directory (C1) ---------------------------------------------------------


@admin.register(DirectoryVersion)
class DirectoryVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "effective_from", "item_count")
    change_list_template = "admin/claims/change_list_with_import.html"
    import_label = gettext_lazy("Import items from CSV")

    @admin.display(description=gettext_lazy("items"))
    def item_count(self, obj) -> int:
        return obj.items.count()

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="claims_directoryversion_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return _import_view(
            self,
            request,
            form_class=DirectoryUploadForm,
            columns=DIRECTORY_COLUMNS,
            title=_("Import directory items from CSV"),
            run=lambda data: directory_import(
                version=data["version"], data=data["file"].read(), acting_user=request.user
            ),
        )


@admin.register(DirectoryItem)
class DirectoryItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "item_class", "unit", "price_limit", "version")
    list_filter = ("version", "kind", "item_class")
    search_fields = ("code", "name")
    list_select_related = ("version",)


# --- Policies (C3, C4, F4) --------------------------------------------------


class PolicyRuleInline(admin.TabularInline):
    model = PolicyRule
    extra = 0
    fields = (
        "insurance_type",
        "care_type",
        "tier",
        "deductible",
        "deductible_scope",
        "rate",
        "annual_cap",
    )


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


# --- Chronic diseases (C5) --------------------------------------------------


@admin.register(Disease)
class DiseaseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "cross_province", "cross_province_since")
    list_filter = ("cross_province",)
    search_fields = ("code", "name", "name_en")


class RefusalForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason given to the applicant"), max_length=200, required=True
    )


@admin.register(ChronicRecognition)
class ChronicRecognitionAdmin(admin.ModelAdmin):
    list_display = ("person", "disease", "hospital", "status", "applied_at", "valid_until")
    list_filter = ("status", "disease")
    search_fields = ("person__name", "diagnosis")
    list_select_related = ("person", "disease", "hospital")
    readonly_fields = (
        "person",
        "disease",
        "hospital",
        "diagnosis",
        "status",
        "applied_at",
        "applied_by",
        "decided_at",
        "decided_by",
        "decision_note",
        "valid_from",
        "valid_until",
    )
    actions = ["approve", "refuse"]

    def has_add_permission(self, request) -> bool:
        return False  # applications come from the portal (or the demo)

    def _confirm(self, request, queryset, *, action, title, form=None):
        return TemplateResponse(
            request,
            "admin/claims/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "queryset": queryset,
                "action": action,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        permissions=["change"], description=gettext_lazy("Approve the selected applications (C5)")
    )
    def approve(self, request, queryset: QuerySet):
        pending = queryset.filter(status=ChronicRecognition.Status.PENDING)
        if request.POST.get("post") != "yes":
            return self._confirm(
                request, pending, action="approve", title=_("Approve recognitions")
            )
        done = 0
        for recognition in pending:
            try:
                recognition_approve(recognition=recognition, acting_user=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{recognition}: {'; '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(
            request, _("%(n)d recognitions approved.") % {"n": done}, messages.SUCCESS
        )
        return None

    @admin.action(
        permissions=["change"], description=gettext_lazy("Refuse the selected applications (C5)")
    )
    def refuse(self, request, queryset: QuerySet):
        pending = queryset.filter(status=ChronicRecognition.Status.PENDING)
        form = RefusalForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            return self._confirm(
                request, pending, action="refuse", title=_("Refuse recognitions"), form=form
            )
        for recognition in pending:
            recognition_refuse(
                recognition=recognition, acting_user=request.user, note=form.cleaned_data["note"]
            )
        self.message_user(
            request, _("%(n)d applications refused.") % {"n": pending.count()}, messages.SUCCESS
        )
        return None


# --- Bills (C2, C3, C6) -----------------------------------------------------


class BillLineInline(admin.TabularInline):
    model = BillLine
    extra = 3
    fields = (
        "position",
        "code",
        "name",
        "quantity",
        "unit_price",
        "item_class",
        "amount",
        "self_pay",
        "class_b_first_pay",
        "eligible",
        "reason_codes",
    )
    readonly_fields = (
        "item_class",
        "amount",
        "self_pay",
        "class_b_first_pay",
        "eligible",
        "reason_codes",
    )

    @admin.display(description=gettext_lazy("reason codes"))
    def reason_codes(self, obj) -> str:
        return "; ".join(f"{code} {REASONS.get(code, '')}" for code in obj.reasons)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_settled

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_settled

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_settled


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "person",
        "facility",
        "service_date",
        "visit",
        "status",
        "total",
        "fund_paid",
        "personal_total",
        "reason_list",
    )
    list_filter = ("status", "visit", "care_type", "settled_on")
    search_fields = ("reference", "person__name", "person__national_id", "facility__name")
    date_hierarchy = "service_date"
    list_select_related = ("person", "facility")
    raw_id_fields = ("person", "facility")
    inlines = [BillLineInline]
    actions = ["settle", "recheck"]
    change_list_template = "admin/claims/change_list_with_import.html"
    change_form_template = "admin/claims/bill_change_form.html"
    import_label = gettext_lazy("Import bills from CSV")
    settlement_fields = (
        "settled_at",
        "settled_on",
        "care_type",
        "policy_rule",
        "rate",
        *[name for name in RESULT_FIELDS if name != "rate"],
        "reasons",
        "inputs",
    )

    def get_fieldsets(self, request, obj=None):
        entry = (
            None,
            {
                "fields": (
                    "reference",
                    "person",
                    "facility",
                    "service_date",
                    "visit",
                    "emergency",
                    "disease",
                    "diagnosis",
                    "status",
                    "entered_by",
                )
            },
        )
        if obj is None or not obj.is_settled:
            return [entry]
        return [entry, (_("Settlement"), {"fields": self.settlement_fields})]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_settled:
            return [*self.get_fieldsets(request, obj)[0][1]["fields"], *self.settlement_fields]
        return ["status", "entered_by"]

    @admin.display(description=gettext_lazy("reason codes"))
    def reason_list(self, obj) -> str:
        return " ".join(obj.reasons)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def _settle_after_save(self, request, obj):
        try:
            bill_settle(bill=obj, acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request, _("Bill %(ref)s settled.") % {"ref": obj.reference}, messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:claims_bill_change", args=[obj.pk]))

    def response_add(self, request, obj, post_url_continue=None):
        if "_settle" in request.POST:
            return self._settle_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_settle" in request.POST:
            return self._settle_after_save(request, obj)
        return super().response_change(request, obj)

    @admin.action(permissions=["change"], description=gettext_lazy("Settle the selected bills"))
    def settle(self, request, queryset: QuerySet):
        waiting = queryset.filter(status=Bill.Status.ENTERED)
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/claims/confirm_action.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": _("Settle bills"),
                    "queryset": waiting,
                    "action": "settle",
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        done = 0
        for bill in waiting.order_by("service_date", "pk"):
            try:
                bill_settle(bill=bill, acting_user=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{bill.reference}: {'; '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(request, _("%(n)d bills settled.") % {"n": done}, messages.SUCCESS)
        return None

    @admin.action(
        permissions=["view"],
        description=gettext_lazy("Re-compute the settlement from its stored inputs"),
    )
    def recheck(self, request, queryset: QuerySet):
        """The settlement is deterministic: re-deriving it from the stored inputs
        must give the stored figures. Lists any bill where it does not."""
        different = []
        settled = queryset.filter(status=Bill.Status.SETTLED)
        for bill in settled:
            again = bill_recompute(bill)
            if any(getattr(again, name) != getattr(bill, name) for name in RESULT_FIELDS):
                different.append(bill.reference)
        if different:
            self.message_user(
                request,
                _("Different when re-computed: %(refs)s") % {"refs": ", ".join(different)},
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                _("%(n)d settlements re-computed: all identical.") % {"n": settled.count()},
                messages.SUCCESS,
            )

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="claims_bill_import"
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return _import_view(
            self,
            request,
            form_class=BillUploadForm,
            columns=BILL_COLUMNS,
            title=_("Import bills from CSV"),
            run=lambda data: self._import_bills(request, data),
        )

    # Larger files are settled by a Celery worker, one bill per transaction.
    SETTLE_INLINE_UP_TO = 200

    def _import_bills(self, request, data):
        content = data["file"].read()
        lines = content.count(b"\n")
        inline = data["settle"] and lines <= self.SETTLE_INLINE_UP_TO
        report = bill_import(data=content, acting_user=request.user, settle=inline)
        if data["settle"] and not inline and report.bills:
            bills_settle.delay([bill.pk for bill in report.bills], request.user.pk)
            self.message_user(
                request,
                _("%(n)d bills are being settled in the background.") % {"n": len(report.bills)},
                messages.INFO,
            )
        return report


@admin.register(PersonYearTotals)
class PersonYearTotalsAdmin(admin.ModelAdmin):
    list_display = ("person", "year", "care_type", "deductible_used", "fund_paid", "bills")
    list_filter = ("year", "care_type")
    search_fields = ("person__name",)
    list_select_related = ("person",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # only settlements move running totals


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
