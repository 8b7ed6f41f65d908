"""The upload page (CSV or .xlsx) shared by the directory and bill imports: a per-row
error report under the form."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseStopPolling

from claims.jobs import SETTLE
from claims.models import (
    DirectoryVersion,
)
from claims.selectors import bills_settled_count
from core import clock
from core.jobs import job_note
from core.models import Job


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
    job_id = getattr(report, "settle_job_id", None)
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if job is not None:
        context["settling"] = _settling(job)
    return TemplateResponse(request, "admin/claims/import.html", context)


def _settling(job: Job) -> dict:
    bill_ids = list(job.args[0]) if job.args else []
    return {
        "job": job,
        "total": len(bill_ids),
        "settled": bills_settled_count(bill_ids=bill_ids),
        "finished": job.status in (Job.Status.DONE, Job.Status.FAILED),
        "finished_at": clock.localtime(job.finished_at) if job.finished_at else None,
        "note": job_note(job),
    }


def settling_page(request, *, job_id: int):
    """Where a background settlement of imported bills stands, for the import
    page to poll (htmx): how many are settled, and when it finished (286 then,
    so the page stops asking)."""
    job = Job.objects.filter(pk=job_id, task=SETTLE).first()
    if job is None:
        raise Http404
    context = _settling(job)
    response = TemplateResponse(request, "admin/claims/_settling.html", context)
    if context["finished"]:
        response.status_code = HttpResponseStopPolling.status_code
    return response
