"""Dependent accounts (A3) and the approval queue of child bindings."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.admin.search import PersonSearchMixin
from accounts.models import (
    DependentBinding,
    PendingChildBinding,
)
from core.reasons import admin_messages


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


def _review_action(modeladmin, request, queryset, *, approve: bool):
    """Approve or reject child bindings, after a confirmation page (A3)."""
    queryset = queryset.filter(status=DependentBinding.Status.PENDING_REVIEW).select_related(
        "person", "user"
    )
    if request.POST.get("post") == "yes":
        form = ReviewForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        done, refused = 0, []
        for binding in queryset:
            try:
                services.dependent_review(
                    actor=request.user, binding=binding, approve=approve, note=note
                )
                done += 1
            except ValidationError as exc:
                refused.append(f"{_relative(binding)}: {' '.join(admin_messages(exc))}")
        if approve:
            text = ngettext("%(n)d binding approved.", "%(n)d bindings approved.", done)
        else:
            text = ngettext("%(n)d binding rejected.", "%(n)d bindings rejected.", done)
        modeladmin.message_user(request, text % {"n": done}, messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, line, messages.ERROR)
        return None
    if not queryset.exists():
        modeladmin.message_user(
            request, _("None of the selected bindings is waiting for review."), messages.WARNING
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Approve these bindings?") if approve else _("Reject these bindings?"),
        "approve": approve,
        "bindings": queryset,
        "form": ReviewForm(),
        "opts": modeladmin.model._meta,
        "action": "approve_bindings" if approve else "reject_bindings",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/accounts/review_confirm.html", context)


def _relative(binding: DependentBinding) -> str:
    """The record's name, or what was typed for a blind request (A6)."""
    if binding.person_id is None:
        return f"{binding.typed_name} ({_('no matching record')})"
    return binding.person.name


class BindingAdminBase(PersonSearchMixin, admin.ModelAdmin):
    list_display = [
        "relative",
        "typed_name",
        "relation",
        "user",
        "status",
        "created_at",
        "activated_at",
        "document_link",
    ]
    list_filter = [
        "status",
        "relation",
        "person__insurance_type",
        "person__region__province",
    ]
    list_select_related = ["person", "user"]
    search_fields = ["person__name", "person__phone", "typed_name", "user__username"]
    readonly_fields = [
        "user",
        "relative",
        "typed_name",
        "relation",
        "status",
        "document_link",
        "created_at",
        "code_sent_at",
        "code_expires_at",
        "code_attempts",
        "activated_at",
        "ended_at",
        "reviewed_by",
        "review_note",
    ]
    fields = readonly_fields
    actions = ["approve_bindings", "reject_bindings"]

    def has_add_permission(self, request):
        return False  # bindings are requested by users on the family page

    def has_delete_permission(self, request, obj=None):
        return False  # ended, never deleted: the history stays

    @admin.display(description=_("relative"), ordering="person__name")
    def relative(self, obj):
        # A blind request (A6): the details typed matched no record, or the
        # record refused them; it can only be rejected (A3-12).
        if obj.person_id is None:
            return _("no matching record")
        return obj.person

    @admin.display(description=_("document"))
    def document_link(self, obj):
        if not obj.document:
            return "—"
        url = reverse("admin:accounts_dependentbinding_document", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("view document"))

    @admin.action(description=_("Approve selected child bindings"), permissions=["change"])
    def approve_bindings(self, request, queryset):
        return _review_action(self, request, queryset, approve=True)

    @admin.action(description=_("Reject selected child bindings"), permissions=["change"])
    def reject_bindings(self, request, queryset):
        return _review_action(self, request, queryset, approve=False)


@admin.register(DependentBinding)
class DependentBindingAdmin(BindingAdminBase):
    def get_urls(self):
        return [
            path(
                "<int:pk>/document/",
                self.admin_site.admin_view(self.document_view),
                name="accounts_dependentbinding_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request: HttpRequest, pk: int):
        """The uploaded document, to staff who may view bindings only (documents
        are never served publicly)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        binding = DependentBinding.objects.filter(pk=pk).first()
        if binding is None or not binding.document:
            raise Http404
        return FileResponse(binding.document.open("rb"))


@admin.register(PendingChildBinding)
class PendingChildBindingAdmin(BindingAdminBase):
    """The approval queue: child bindings waiting for a document review."""

    list_filter = ["relation", "person__region__province"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("accounts.change_dependentbinding")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("accounts.view_dependentbinding") or (
            self.has_change_permission(request, obj)
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)
