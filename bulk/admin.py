"""The admin pages of bulk proxy activation (W2): upload → dry-run preview →
confirm or cancel → progress (htmx polling, 286 when done) → per-row report.

Every page needs the permission ``bulk.bulk_proxy_activate``: staff without it
get 403 and see no link. Views are small; the work is in services and selectors.
"""

import tempfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from bulk import export, jobs, selectors, services
from bulk.models import Batch
from bulk.reasons import ReasonText
from core import clock
from core.jobs import job_for, job_note
from core.models import Job
from core.tabular import message_for

PERMISSION = "bulk.bulk_proxy_activate"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SIZE = 50


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of people to activate"),
        help_text=_(
            "CSV (UTF-8 or GBK, as Excel saves it) or .xlsx, with the columns 身份证号, "
            "姓名, 使用地 and optionally 手机号, 备注 (or national_id, name, "
            "usage_location, phone, note)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        services.file_check_header(file=file)  # an unreadable file is refused here
        return file


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    """The batch list is this model's changelist; a batch's page its change view."""

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(PERMISSION)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(self._guarded(function))

        return [
            path("template.<str:kind>", view(template_file), name="bulk_batch_template"),
            path("<int:batch_id>/progress/", view(batch_progress), name="bulk_batch_progress"),
            path("<int:batch_id>/confirm/", view(batch_confirm), name="bulk_batch_confirm"),
            path("<int:batch_id>/cancel/", view(batch_cancel), name="bulk_batch_cancel"),
            path("<int:batch_id>/resume/", view(batch_resume), name="bulk_batch_resume"),
            path("<int:batch_id>/report.<str:kind>", view(batch_report), name="bulk_batch_report"),
            *super().get_urls(),
        ]

    def _guarded(self, function):
        def guarded(request, *args, **kwargs):
            if not self._allowed(request):
                raise PermissionDenied
            return function(request, *args, admin_site=self.admin_site, **kwargs)

        return guarded

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self._allowed(request):
            raise PermissionDenied
        return _list_page(request, self.admin_site, UploadForm())

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self._allowed(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:bulk_batch_changelist")
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.batch_upload(
                    file=form.cleaned_data["file"], uploaded_by=request.user
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("admin:bulk_batch_change", batch.pk)
        return _list_page(request, self.admin_site, form, status=400)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        if not self._allowed(request):
            raise PermissionDenied
        try:
            batch = get_object_or_404(selectors.batch_list(), pk=int(object_id))
        except (TypeError, ValueError):  # /admin/bulk/batch/abc/change/
            raise Http404 from None
        return TemplateResponse(
            request, "bulk/batch.html", _batch_context(request, self.admin_site, batch)
        )


def _list_page(request: HttpRequest, site, form: UploadForm, status: int = 200) -> HttpResponse:
    batches = list(selectors.batch_list()[:LIST_SIZE])
    context = {
        **site.each_context(request),
        "title": _("Bulk proxy activation"),
        "form": form,
        "batches": batches,
        "opts": Batch._meta,
    }
    return TemplateResponse(request, "bulk/batch_list.html", context, status=status)


def _batch_context(request: HttpRequest, site, batch: Batch) -> dict:
    checked = batch.status not in (Batch.Status.CHECKING, Batch.Status.REJECTED)
    now = clock.real_now()
    waiting = batch.status in Batch.WAITING
    job = job_for(jobs.subject(batch.pk)) if waiting else None
    stale = services.batch_is_stale(batch)
    return {
        **site.each_context(request),
        "title": _("Bulk proxy activation #%(batch)s") % {"batch": batch.pk},
        "opts": Batch._meta,
        "batch": batch,
        "polling": batch.status in Batch.WAITING,
        # The job outbox says what is happening (queued while the broker is down,
        # started again after its worker died): nobody needs to press anything.
        # Only a job that stopped with an error (or a batch with no job on record)
        # is offered to a person to resume.
        "job_note": job_note(job, now=now),
        "stale": waiting and (job.status == Job.Status.FAILED if job else stale),
        # A stalled job's pace says nothing about what is left.
        "time_left": None if stale else _duration(batch.time_left(now)),
        "problem": message_for(**batch.problem) if batch.problem else "",
        "notes": [services.note_text(note) for note in batch.notes] if checked else [],
        # Before confirming: what will not be opened; once done: what was not,
        # each with its reason (the report has every row).
        "problems": _problems(batch)
        if batch.status in (Batch.Status.CHECKED, Batch.Status.DONE)
        else [],
        "has_report": checked,
    }


def _duration(left) -> str | None:
    if left is None:
        return None
    seconds = int(left.total_seconds())
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    return _("%(m)d min %(s)d s") % {"m": seconds // 60, "s": seconds % 60}


def _problems(batch: Batch) -> list[dict]:
    reason_text = ReasonText()
    return [
        {
            "line": row.line,
            "national_id": export.masked(row.national_id),
            "name": row.name,
            "outcome": row.get_outcome_display(),
            "reason": reason_text(row.reason, row.reason_arg),
        }
        for row in selectors.batch_problems(batch=batch)
    ]


@require_GET
def batch_progress(request: HttpRequest, batch_id: int, *, admin_site) -> HttpResponse:
    """The state section alone, for htmx polling: 286 (stop polling) once no job
    is working on the batch any more."""
    batch = get_object_or_404(selectors.batch_list(), pk=batch_id)
    context = _batch_context(request, admin_site, batch)
    response = TemplateResponse(request, "bulk/batch.html#state", context)
    if not context["polling"]:
        response.status_code = HttpResponseStopPolling.status_code
    return response


def _act(request: HttpRequest, batch_id: int, action, done_message=None) -> HttpResponse:
    try:
        action(batch_id=batch_id, acting_user=request.user)
    except Batch.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if done_message:
            messages.success(request, done_message)
    return redirect("admin:bulk_batch_change", batch_id)


@require_POST
def batch_confirm(request: HttpRequest, batch_id: int, *, admin_site) -> HttpResponse:
    # No message above the page: it would stay there, saying the wallets are
    # being opened, after the polled state below says they are done. The state
    # says what is happening (and that one may leave the page) while it happens.
    return _act(request, batch_id, services.batch_confirm)


@require_POST
def batch_cancel(request: HttpRequest, batch_id: int, *, admin_site) -> HttpResponse:
    return _act(request, batch_id, services.batch_cancel, _("Cancelled: nothing was opened."))


@require_POST
def batch_resume(request: HttpRequest, batch_id: int, *, admin_site) -> HttpResponse:
    return _act(request, batch_id, services.batch_resume, _("The job was queued again."))


@require_GET
def batch_report(request: HttpRequest, batch_id: int, kind: str, *, admin_site) -> HttpResponse:
    """Every input row with its outcome and reason, in the reader's language."""
    batch = get_object_or_404(Batch, pk=batch_id)
    if kind not in ("csv", "xlsx") or batch.status in (
        Batch.Status.CHECKING,
        Batch.Status.REJECTED,
    ):
        raise Http404
    language = translation.get_language() or "zh-hans"
    name = f"bulk-{batch.pk}-report.{kind}"
    if kind == "csv":
        response = StreamingHttpResponse(
            export.report_csv(batch, language=language), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    export.report_xlsx(batch, out, language=language)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@require_GET
def template_file(request: HttpRequest, kind: str, *, admin_site) -> HttpResponse:
    language = translation.get_language() or "zh-hans"
    if kind == "csv":
        body, content_type = export.template_csv(language=language), "text/csv; charset=utf-8"
    elif kind == "xlsx":
        body, content_type = export.template_xlsx(language=language), XLSX
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bulk-activation-template.{kind}"'
    return response
