"""Bills (C2, C3, C6): entry with inline lines, settle, re-check, CSV import;
the running totals (read-only)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin import PersonSearchMixin
from claims.admin.imports import BillUploadForm, import_page, settling_page
from claims.admin.refunds import refund_bill
from claims.jobs import bills_settle_later
from claims.models import (
    Bill,
    BillLine,
    PersonYearTotals,
)
from claims.models.bills import SETTLED_AMOUNTS, SETTLED_FIGURES
from claims.selectors import bill_recompute
from claims.services.bill_import import bill_import
from claims.services.bills import bill_settle, bills_settle_many
from claims.services.imports import BILL_COLUMNS
from core import reasons
from core.admin import GrowingTableMixin
from core.models import Job


class BillLineInline(admin.TabularInline):
    model = BillLine
    extra = 3
    # What the settlement fills in (C1, C2) is shown, never edited.
    readonly_fields = (
        "item_class",
        "amount",
        "self_pay",
        "class_b_first_pay",
        "eligible",
        "refunded_quantity",
        "reason_codes",
    )
    fields = ("position", "code", "name", "quantity", "unit_price", *readonly_fields)

    @admin.display(description=gettext_lazy("reason codes"))
    def reason_codes(self, obj) -> str:
        return "; ".join(reasons.admin_label(code) for code in obj.reasons)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_settled

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_settled

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_settled


@admin.register(Bill)
class BillAdmin(GrowingTableMixin, PersonSearchMixin, admin.ModelAdmin):
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
    list_filter = ("status", "visit", "care_type", "service_date", "settled_on")
    # A1: by name, phone and the masked ID suffix (PersonSearchMixin), never the
    # full ID number, which would land in the URL and the access log.
    search_fields = ("reference", "person__name", "person__phone", "facility__name")
    # The newest first by pk, which its primary key serves: the model's order
    # (service date) would sort every bill of the region for each list page,
    # and a date hierarchy reads every bill for its years (bench/scale.py).
    ordering = ("-pk",)
    list_select_related = ("person", "facility")
    raw_id_fields = ("person", "facility")
    inlines = [BillLineInline]
    actions = ["settle", "recheck", refund_bill]

    def has_refund_permission(self, request) -> bool:
        """S1: the refund action (R1) is finance's, not every bill editor's."""
        return request.user.has_perm("claims.refund")

    change_list_template = "admin/claims/change_list_with_import.html"
    change_form_template = "admin/claims/bill_change_form.html"
    import_label = gettext_lazy("Import bills from CSV")
    settlement_fields = (
        "settled_at",
        "settled_on",
        "care_type",
        "policy_rule",
        "rate",
        *SETTLED_AMOUNTS,
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

    # C6: a settled bill is the money trail of its payment and of the person's
    # running totals (C3): it is never deleted, whether one at a time or through
    # the "delete selected" action.
    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_settled:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        settled = [
            _("Bill %(ref)s is settled: it is kept as the record of its payment (C6).")
            % {"ref": bill.reference}
            for bill in objs
            if bill.is_settled
        ]
        if settled:
            # Say why instead of Django's "no permission to delete bills" (which
            # has_delete_permission(obj) causes for a settled bill).
            perms_needed = perms_needed - {Bill._meta.verbose_name}
        return deleted, counts, perms_needed, [*protected, *settled]

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset.exclude(status=Bill.Status.SETTLED))

    def delete_model(self, request, obj) -> None:
        if obj.is_settled:
            raise PermissionDenied
        super().delete_model(request, obj)

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
        ids = list(waiting.values_list("pk", flat=True)[: self.SETTLE_INLINE_UP_TO + 1])
        if len(ids) > self.SETTLE_INLINE_UP_TO:
            ids = list(waiting.values_list("pk", flat=True))
            job = bills_settle_later(bill_ids=ids, acting_user=request.user)
            self._in_background(request, job, len(ids))
            return None
        report = bills_settle_many(bills=waiting, acting_user=request.user)
        for bill, reason in report.failed:
            self.message_user(request, f"{bill.reference}: {reason}", messages.ERROR)
        done = report.settled
        self.message_user(
            request,
            ngettext("%(n)d bill settled.", "%(n)d bills settled.", done) % {"n": done},
            messages.SUCCESS,
        )
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
            if any(getattr(again, name) != getattr(bill, name) for name in SETTLED_FIGURES):
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
                ngettext(
                    "%(n)d settlement re-computed: identical.",
                    "%(n)d settlements re-computed: all identical.",
                    settled.count(),
                )
                % {"n": settled.count()},
                messages.SUCCESS,
            )

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="claims_bill_import"
            ),
            path(
                "import/settling/<int:job_id>/",
                self.admin_site.admin_view(self.settling_view),
                name="claims_bill_settling",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return import_page(
            self,
            request,
            form_class=BillUploadForm,
            columns=BILL_COLUMNS,
            title=_("Import bills from CSV"),
            run=lambda data: self._import_bills(request, data),
        )

    def settling_view(self, request: HttpRequest, job_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return settling_page(request, job_id=job_id)

    # Larger files and selections are settled by a Celery worker.
    SETTLE_INLINE_UP_TO = 200

    def _import_bills(self, request, data):
        content = data["file"].read()
        lines = content.count(b"\n")
        inline = data["settle"] and lines <= self.SETTLE_INLINE_UP_TO
        report = bill_import(data=content, acting_user=request.user, settle=inline)
        if data["settle"] and not inline and report.bills:
            job = bills_settle_later(
                bill_ids=[bill.pk for bill in report.bills],
                acting_user=request.user,
                settled_on=report.settled_on,
            )
            self._in_background(request, job, len(report.bills))
            report.settle_job_id = job.pk
        return report

    def _in_background(self, request, job, n: int) -> None:
        if job.status == Job.Status.PENDING:
            text = ngettext(
                "%(n)d bill will be settled in the background: the job is queued and "
                "starts by itself when the job queue answers again.",
                "%(n)d bills will be settled in the background: the job is queued and "
                "starts by itself when the job queue answers again.",
                n,
            )
        else:
            text = ngettext(
                "%(n)d bill is being settled in the background.",
                "%(n)d bills are being settled in the background.",
                n,
            )
        self.message_user(request, text % {"n": n}, messages.INFO)


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
