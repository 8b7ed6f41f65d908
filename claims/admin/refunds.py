"""Refunds (退费 / 冲正, R1–R6): the bills' action that refunds a settled bill,
and the list of refunds with the second approval above the four-eyes amount (R5)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import Bill, Refund
from claims.services.refunds import bill_refund, refund_approve
from core.reasons import admin_messages


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Billed cost to refund (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
    )
    reference = forms.CharField(
        label=gettext_lazy("Refund reference (the facility's; empty: derived)"),
        max_length=60,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


def _errors(error) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(admin_messages(error))
    return str(error)


@admin.action(permissions=["refund"], description=gettext_lazy("Refund a settled bill (R1)"))
def refund_bill(modeladmin, request, queryset: QuerySet):
    """R1–R5 from the admin: one settled bill, an amount of its billed cost."""
    settled = queryset.filter(status=Bill.Status.SETTLED)[:1]
    form = RefundForm(request.POST if request.POST.get("post") == "yes" else None)
    if not settled or not form.is_bound or not form.is_valid():
        return TemplateResponse(
            request,
            "admin/claims/confirm_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "opts": modeladmin.model._meta,
                "title": _("Refund a settled bill"),
                "queryset": settled,
                "action": "refund_bill",
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
    bill = settled[0]
    try:
        refund = bill_refund(
            bill=bill,
            amount=form.cleaned_data["amount"],
            reference=form.cleaned_data["reference"] or None,
            note=form.cleaned_data["note"],
            acting_user=request.user,
        )
    except (ValidationError, PermissionDenied) as error:
        modeladmin.message_user(request, f"{bill.reference}: {_errors(error)}", messages.ERROR)
        return None
    _report(modeladmin, request, refund)
    return None


def _report(modeladmin, request, refund: Refund) -> None:
    if refund.status == Refund.Status.AWAITING_SECOND:
        modeladmin.message_user(
            request,
            _("R5: refund %(ref)s of %(amount)s waits for a second member of staff.")
            % {"ref": refund.reference, "amount": refund.amount},
            messages.WARNING,
        )
        return
    modeladmin.message_user(
        request,
        _("Refund %(ref)s: %(amount)s refunded; fund %(fund)s, personal %(personal)s back.")
        % {
            "ref": refund.reference,
            "amount": refund.amount,
            "fund": refund.fund_back,
            "personal": refund.personal_back,
        },
        messages.SUCCESS,
    )


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "bill",
        "status",
        "amount",
        "fund_back",
        "personal_back",
        "requested_by",
        "approved_by",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("reference", "bill__reference", "bill__person__name")
    list_select_related = ("bill__person", "requested_by", "approved_by")
    actions = ["approve"]

    def has_add_permission(self, request) -> bool:
        return False  # a refund starts from its bill (the bills' action, bill_refund)

    def has_change_permission(self, request, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        permissions=["change"],
        description=gettext_lazy("Approve as the second member of staff (R5)"),
    )
    def approve(self, request, queryset: QuerySet):
        for refund in queryset.filter(status=Refund.Status.AWAITING_SECOND):
            try:
                done = refund_approve(refund=refund, acting_user=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{refund.reference}: {_errors(error)}", messages.ERROR)
                continue
            _report(self, request, done)
