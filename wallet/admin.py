"""Money in the Django admin: the ledger read-only, transfers with a "sweep now"
action, contribution posting, the policy rows editable."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import clock
from core.admin import GrowingTableMixin, ReadOnlyAdmin, SingletonAdmin
from core.jobs import job_note
from core.models import Job
from wallet import models
from wallet.jobs import contributions_post_later
from wallet.services import transfers_sweep


@admin.register(models.LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "person", "shard", "balance"]
    list_filter = ["kind"]
    search_fields = ["person__name", "person__phone"]
    list_select_related = ["person"]
    show_full_result_count = False


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(GrowingTableMixin, ReadOnlyAdmin):
    list_display = ["id", "at", "kind", "account", "amount", "ref", "movement"]
    list_filter = ["kind"]
    search_fields = ["=ref", "=movement"]
    list_select_related = ["account__person"]
    show_full_result_count = False


@admin.register(models.LedgerCheck)
class LedgerCheckAdmin(ReadOnlyAdmin):
    """W10: each run of the ledger reconciliation, the latest first (the nightly
    job at 03:30 and every `manage.py ledger_check`)."""

    list_display = ["started_at", "trigger", "result", "accounts", "finished_at"]
    list_filter = ["trigger"]
    fields = ["trigger", "started_at", "finished_at", "accounts", "problem_count", "problem_list"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("result"))
    def result(self, obj: models.LedgerCheck) -> str:
        if obj.finished_at is None:
            return _("did not finish")
        if obj.problem_count == 0:
            return _("W10 clean: every balance matches its entries")
        return ngettext(
            "W10: %(n)d problem found", "W10: %(n)d problems found", obj.problem_count
        ) % {"n": obj.problem_count}

    @admin.display(description=gettext_lazy("problems found"))
    def problem_list(self, obj: models.LedgerCheck):
        return format_html_join("", "<div>{}</div>", ((line,) for line in obj.problems)) or "—"


class TransferDayFilter(admin.SimpleListFilter):
    title = gettext_lazy("day")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        return [
            ("today", _("today")),
            ("yesterday", _("yesterday")),
            ("overdue", _("pending past the morning sweep")),
        ]

    def queryset(self, request, queryset):
        today = clock.localdate()
        if self.value() == "today":
            return queryset.filter(local_day=today)
        if self.value() == "yesterday":
            return queryset.filter(local_day=today - datetime.timedelta(days=1))
        if self.value() == "overdue":
            return queryset.filter(
                state=models.Transfer.State.PENDING, due_back_at__lte=clock.now()
            )
        return queryset


@admin.register(models.Transfer)
class TransferAdmin(GrowingTableMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "sender",
        "recipient",
        "amount",
        "state",
        "due_back_at",
        "decided_at",
    ]
    list_filter = ["state", TransferDayFilter, "local_day"]
    search_fields = ["sender__name", "recipient__name", "=idempotency_key"]
    list_select_related = ["sender", "recipient"]
    # The newest first by pk (the primary key serves it; the model's order by
    # creation time would sort every transfer for each list page), and no date
    # hierarchy (it reads every transfer for its years): the day filter instead.
    ordering = ["-pk"]
    actions = ["sweep_now"]
    show_full_result_count = False

    def has_sweep_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallet.change_transfer")

    @admin.action(
        permissions=["sweep"],
        description=gettext_lazy("Sweep now: return the selected transfers that are overdue (W9)"),
    )
    def sweep_now(self, request: HttpRequest, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        if request.POST.get("confirm") != "yes":
            overdue = queryset.filter(
                state=models.Transfer.State.PENDING, due_back_at__lte=clock.now()
            )
            return TemplateResponse(
                request,
                "admin/wallet/transfer/sweep_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "ids": ids,
                    "overdue": overdue.count(),
                    "selected": len(ids),
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "title": _("Sweep now"),
                },
            )
        returned = transfers_sweep(ids=ids, acting_user=request.user)
        self.message_user(
            request,
            _("%(n)s overdue transfers were returned to their senders.") % {"n": returned},
            messages.SUCCESS,
        )
        return None


class PostMonthForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("Month (any day in it)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month > clock.localdate().replace(day=1):
            # A month not begun yet would credit money that has not been paid in.
            raise forms.ValidationError(
                _("Contributions can be posted for this month or earlier ones, not for %(month)s.")
                % {"month": f"{month:%Y-%m}"},
                code="future_month",
            )
        return month


@admin.register(models.Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["person", "month", "employee_amount", "employer_amount", "posted_at"]
    list_filter = ["month"]
    search_fields = ["person__name"]
    list_select_related = ["person"]
    change_list_template = "admin/wallet/contribution/change_list.html"

    def get_urls(self):
        return [
            path(
                "post/",
                self.admin_site.admin_view(self.post_month_view),
                name="wallet_contribution_post",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """Above the list: what the latest posting job is doing, if worth a word
        (queued while the broker is down, restarted, stopped)."""
        job = (
            Job.objects.filter(subject__startswith="wallet.contributions:")
            .order_by("-created_at", "-pk")
            .first()
        )
        note = job_note(job)
        if job is not None and job.status in Job.IN_FLIGHT and not note:
            note = _("Contributions for %(month)s are being posted in the background.") % {
                "month": job.subject.rsplit(":", 1)[-1]
            }
        return super().changelist_view(request, {**(extra_context or {}), "job_note": note})

    def post_month_view(self, request: HttpRequest):
        """Post a month's contributions for every active employee (idempotent)."""
        if not request.user.has_perm("wallet.add_contribution"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = PostMonthForm(
            request.POST or None, initial={"month": clock.localdate().replace(day=1)}
        )
        if request.method == "POST" and form.is_valid():
            # Every active employee: a job, not this request (the job outbox keeps
            # it if the broker is down, and a resumed job posts each person once).
            month = form.cleaned_data["month"]
            job = contributions_post_later(month=month, acting_user=request.user)
            names = {"month": f"{month:%Y-%m}"}
            if job.status == Job.Status.PENDING:
                text = _(
                    "Contributions for %(month)s are queued: the job queue is not answering; "
                    "posting starts by itself when it is back."
                )
            elif job.status == Job.Status.DONE:
                text = _("Contributions for %(month)s are posted.")
            else:
                text = _(
                    "Contributions for %(month)s are being posted in the background; this "
                    "list shows them as they come."
                )
            self.message_user(request, text % names, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:wallet_contribution_changelist"))
        return TemplateResponse(
            request,
            "admin/wallet/contribution/post_month.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form": form,
                "title": _("Post monthly contributions"),
            },
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["person", "usage_region", "status", "by_proxy", "opened_by", "opened_at"]
    list_filter = ["status", "by_proxy", "usage_region__province"]
    search_fields = ["person__name", "=batch_ref"]
    list_select_related = ["person", "usage_region__province", "opened_by"]


@admin.register(models.PoolingBinding)
class PoolingBindingAdmin(ReadOnlyAdmin):
    list_display = ["employee", "relative", "status", "created_at", "ended_at", "end_reason"]
    list_filter = ["status", "end_reason"]
    search_fields = ["employee__name", "relative__name"]
    list_select_related = ["employee", "relative"]


@admin.register(models.Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "person",
        "purpose",
        "amount",
        "wallet_amount",
        "own_account_amount",
        "pooling_amount",
        "cash_amount",
        "created_at",
    ]
    list_filter = ["purpose"]
    search_fields = ["=reference", "person__name"]
    list_select_related = ["person"]


@admin.register(models.WalletPolicy)
class WalletPolicyAdmin(SingletonAdmin):
    """The wallet and pooling rules' numbers (settings), one row."""


@admin.register(models.ContributionRate)
class ContributionRateAdmin(admin.ModelAdmin):
    list_display = ["region", "valid_from", "employee_share", "employer_credit"]
    list_filter = ["region__province"]


@admin.register(models.PremiumRate)
class PremiumRateAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "amount"]
    list_filter = ["year"]
