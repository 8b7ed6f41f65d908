"""The upload page (CSV or .xlsx) shared by the directory and bill imports: a per-row
error report under the form."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import (
    DirectoryVersion,
)


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or Excel (.xlsx) file"))


class DirectoryUploadForm(CsvUploadForm):
    version = forms.ModelChoiceField(
        queryset=DirectoryVersion.objects.all(), label=gettext_lazy("Directory version")
    )


class BillUploadForm(CsvUploadForm):
    settle = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Settle the bills at once")
    )


def import_page(model_admin, request, *, form_class, columns, run, title):
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
