"""Chronic and special diseases (C5): the list, and approving or refusing
applications (with a confirmation step)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from claims.models import (
    ChronicRecognition,
    Disease,
)
from claims.services.chronic import recognition_approve, recognition_refuse
from core.reasons import admin_messages


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
    list_display = (
        "person",
        "disease",
        "diagnosis_as_typed",
        "hospital",
        "status",
        "applied_at",
        "valid_until",
    )
    list_filter = ("status", "disease")
    search_fields = ("person__name", "diagnosis")
    list_select_related = ("person", "disease", "hospital")
    readonly_fields = (
        "person",
        "disease",
        "diagnosis_as_typed",
        "hospital",
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

    @admin.display(description=gettext_lazy("diagnosis, as the family typed it"))
    def diagnosis_as_typed(self, obj: ChronicRecognition) -> str:
        """C5: the reviewer decides on what the applicant wrote, word for word."""
        return obj.diagnosis or "—"

    def _confirm(self, request, queryset, *, action, title, form=None):
        return TemplateResponse(
            request,
            "admin/claims/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "queryset": queryset.select_related("person", "disease", "hospital"),
                "applicant_words": True,  # C5: what the family typed, beside each
                "action": action,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def _report_error(self, request, recognition, exc: ValidationError) -> None:
        self.message_user(
            request, f"{recognition}: {'; '.join(admin_messages(exc))}", messages.ERROR
        )

    def _report_already_decided(self, request, queryset: QuerySet) -> None:
        """Selected from a stale page: another administrator has decided these
        already; say so, and leave them as they are."""
        for recognition in queryset.exclude(status=ChronicRecognition.Status.PENDING):
            self.message_user(
                request,
                _(
                    "%(recognition)s: this application has already been decided (%(status)s); "
                    "nothing was changed."
                )
                % {"recognition": recognition, "status": recognition.get_status_display()},
                messages.WARNING,
            )

    @admin.action(
        permissions=["change"], description=gettext_lazy("Approve the selected applications (C5)")
    )
    def approve(self, request, queryset: QuerySet):
        self._report_already_decided(request, queryset)
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
                self._report_error(request, recognition, exc)
        self.message_user(
            request,
            ngettext("%(n)d recognition approved.", "%(n)d recognitions approved.", done)
            % {"n": done},
            messages.SUCCESS,
        )
        return None

    @admin.action(
        permissions=["change"], description=gettext_lazy("Refuse the selected applications (C5)")
    )
    def refuse(self, request, queryset: QuerySet):
        self._report_already_decided(request, queryset)
        pending = queryset.filter(status=ChronicRecognition.Status.PENDING)
        form = RefusalForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            return self._confirm(
                request, pending, action="refuse", title=_("Refuse recognitions"), form=form
            )
        done = 0
        for recognition in pending:
            try:
                recognition_refuse(
                    recognition=recognition,
                    acting_user=request.user,
                    note=form.cleaned_data["note"],
                )
                done += 1
            except ValidationError as exc:
                # Another administrator decided it between the list and now.
                self._report_error(request, recognition, exc)
        self.message_user(
            request,
            ngettext("%(n)d application refused.", "%(n)d applications refused.", done)
            % {"n": done},
            messages.SUCCESS,
        )
        return None
