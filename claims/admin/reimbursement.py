"""Out-of-pocket claims in the admin (M2–M5, S2): reviewers take a claim, enter
the lines of the list of expenses (computed again on every save, M3) and
approve or refuse it; finance marks approved claims paid with the bank's
reference. Every decision goes through claims.services.reimbursement."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import ReimbursementClaim, ReimbursementDocument, ReimbursementLine
from claims.selectors import directory_items
from claims.services import reimbursement as services
from core.reasons import admin_messages

Status = ReimbursementClaim.Status
OPEN = (Status.SUBMITTED, Status.UNDER_REVIEW)


class LineInline(admin.TabularInline):
    """M3: the reviewer's lines, each checked against the directory edition in
    force on the first day of care (its name and class, or "not in it")."""

    model = ReimbursementLine
    extra = 3
    fields = ("code", "name", "quantity", "unit_price", "in_directory")
    readonly_fields = ("in_directory",)

    @admin.display(description=gettext_lazy("in the directory"))
    def in_directory(self, obj) -> str:
        if obj is None or obj.pk is None:
            return ""
        items = getattr(self, "_items", None)
        if items is None or self._items_for != obj.claim_id:
            codes = obj.claim.lines.values_list("code", flat=True)
            self._items = items = directory_items(day=obj.claim.care_from, codes=codes)
            self._items_for = obj.claim_id
        item = items.get(obj.code)
        if item is None:
            return _("not in the directory in force (C1): self-pay")
        return f"{item.name} · {item.get_item_class_display()}"

    def _open(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.status in OPEN
            and request.user.has_perm("claims.review_reimbursementclaim")
        )

    def has_view_permission(self, request, obj=None) -> bool:
        # Lines are part of the claim: whoever may see the claim sees them.
        return request.user.has_perm("claims.view_reimbursementclaim")

    def has_add_permission(self, request, obj=None) -> bool:
        return self._open(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._open(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._open(request, obj)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason the family will read (M2)"), max_length=300, required=True
    )


class PayForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Bank payment reference (M5)"), max_length=40, required=True
    )


@admin.register(ReimbursementClaim)
class ReimbursementClaimAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "person",
        "facility",
        "care_from",
        "amount_paid",
        "payable",
        "status",
        "prepared_by",
    )
    list_filter = ("status", "why", "visit")
    search_fields = ("person__name", "payment_reference")
    list_select_related = ("person", "facility", "prepared_by")
    inlines = [LineInline]
    fields = (
        "person",
        "facility",
        "visit",
        "why",
        "care_from",
        "care_until",
        "amount_paid",
        "bank_name",
        "masked_account",
        "account_holder",
        "document_links",
        "status",
        "care_type",
        "total",
        "self_pay",
        "personal_in_directory",
        "deductible",
        "rate",
        "payable",
        "reason_codes",
        "submitted_by",
        "reviewed_by",
        "prepared_by",
        "approved_by",
        "refusal_reason",
        "payment_reference",
        "paid_at",
        "paid_by",
    )
    readonly_fields = fields
    actions = ["start_review", "approve", "refuse", "pay"]

    def has_add_permission(self, request) -> bool:
        return False  # families file claims on the portal (M1)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # decided claims are the fund's record

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("claims.review_reimbursementclaim")

    def has_pay_permission(self, request) -> bool:
        return request.user.has_perm("claims.pay_reimbursementclaim")

    @admin.display(description=gettext_lazy("bank account"))
    def masked_account(self, obj) -> str:
        return obj.masked_account

    @admin.display(description=gettext_lazy("reasons"))
    def reason_codes(self, obj) -> str:
        return ", ".join(obj.reasons or [])

    @admin.display(description=gettext_lazy("documents"))
    def document_links(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}" target="_blank">{}</a>',
            (
                (reverse("admin:claims_reimbursementclaim_document", args=[d.pk]), str(d))
                for d in obj.documents.all()
            ),
        ) or format_html("{}", "—")

    def get_urls(self):
        return [
            path(
                "document/<int:pk>/",
                self.admin_site.admin_view(self.document_view),
                name="claims_reimbursementclaim_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request: HttpRequest, pk: int):
        """M1: documents are private: staff who may view claims only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = ReimbursementDocument.objects.filter(pk=pk).first()
        if document is None:
            raise PermissionDenied
        return FileResponse(document.file.open("rb"))

    def save_related(self, request, form, formsets, change):
        """M3: the lines changed, so the payment is computed again."""
        super().save_related(request, form, formsets, change)
        claim = form.instance
        if claim.status in OPEN and any(f.has_changed() for f in formsets):
            self._run(request, claim, services.claim_compute, claim=claim, acting_user=request.user)

    def _run(self, request, target, service, /, **kwargs) -> bool:
        try:
            service(**kwargs)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(admin_messages(exc)) if isinstance(exc, ValidationError) else exc
            self.message_user(request, f"{target}: {text}", messages.ERROR)
            return False
        return True

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

    def _done(self, request, done: int) -> None:
        self.message_user(
            request,
            _("%(n)d claim(s) done.") % {"n": done},
            messages.SUCCESS if done else messages.WARNING,
        )

    @admin.action(permissions=["review"], description=gettext_lazy("Take for review (M2)"))
    def start_review(self, request, queryset: QuerySet):
        done = sum(
            self._run(request, c, services.claim_review_start, claim=c, acting_user=request.user)
            for c in queryset
        )
        self._done(request, done)

    @admin.action(
        permissions=["review"], description=gettext_lazy("Approve the payment (M3, S2 four eyes)")
    )
    def approve(self, request, queryset: QuerySet):
        done = 0
        for claim in queryset:
            if self._run(
                request, claim, services.claim_approve, claim=claim, acting_user=request.user
            ):
                claim.refresh_from_db()
                if claim.status == Status.APPROVED:
                    done += 1
                else:
                    self.message_user(
                        request,
                        _(
                            "%(claim)s: the fund pays more than the four-eyes amount; "
                            "a second member of staff must approve it (S2)."
                        )
                        % {"claim": claim},
                        messages.WARNING,
                    )
        self._done(request, done)

    @admin.action(permissions=["review"], description=gettext_lazy("Refuse (M2)"))
    def refuse(self, request, queryset: QuerySet):
        form = RefuseForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            return self._confirm(
                request, queryset, action="refuse", title=_("Refuse claims"), form=form
            )
        reason = form.cleaned_data["reason"]
        done = sum(
            self._run(
                request, c, services.claim_refuse, claim=c, acting_user=request.user, reason=reason
            )
            for c in queryset
        )
        self._done(request, done)
        return None

    @admin.action(permissions=["pay"], description=gettext_lazy("Mark paid (M5)"))
    def pay(self, request, queryset: QuerySet):
        approved = queryset.filter(status=Status.APPROVED)
        form = PayForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_bound or not form.is_valid() or approved.count() != 1:
            if approved.count() > 1:
                self.message_user(request, _("Mark one claim paid at a time."), messages.WARNING)
                return None
            return self._confirm(request, approved, action="pay", title=_("Mark paid"), form=form)
        claim = approved.get()
        done = self._run(
            request,
            claim,
            services.claim_pay,
            claim=claim,
            acting_user=request.user,
            reference=form.cleaned_data["reference"],
        )
        self._done(request, int(done))
        return None
