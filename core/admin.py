"""Admin base classes every app's admin builds on, and the audit trail's page.

- ``AuditedAdmin``: every add, change and delete made in the admin (inline rows
  too) leaves an audit row — who, for whom, when, which fields, never the values
  of ID numbers;
- ``ReadOnlyAdmin``: records only services write (the ledger, the SMS outbox);
- ``SingletonAdmin``: a settings row (pk=1) that can be edited, not added twice
  or deleted.

Also the audit trail's page and the job outbox's (background jobs).
"""

import re

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy, ngettext

from core import normalise
from core.actions import Action
from core.audit import audit_record, audit_row, target_label
from core.models import AuditEvent, Job


class AuditedAdmin(admin.ModelAdmin):
    """Audits every admin write. ``audit_person(obj)`` says whom a row is about
    (default: its ``person`` attribute); the person's admin returns the row itself."""

    def audit_person(self, obj):
        return getattr(obj, "person", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=Action.ADMIN_CHANGE if change else Action.ADMIN_ADD,
            person=self.audit_person(obj),
            target=obj,
            details={"fields": list(form.changed_data)},
        )

    def save_formset(self, request, form, formset, change):
        """Rows added, changed or deleted in an inline (a province's regions) are
        audited one by one, like the parent."""
        deleted = [
            (f.instance, f.instance.pk, str(f.instance))
            for f in formset.deleted_forms
            if f.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(
                actor=request.user,
                action=Action.ADMIN_ADD,
                person=self.audit_person(obj),
                target=obj,
                details={"parent": target_label(form.instance)},
            )
        for obj, fields in formset.changed_objects:
            audit_record(
                actor=request.user,
                action=Action.ADMIN_CHANGE,
                person=self.audit_person(obj),
                target=obj,
                details={"fields": list(fields)},
            )
        for obj, pk, label in deleted:
            if obj not in formset.deleted_objects:
                continue
            AuditEvent.objects.create(
                **audit_row(
                    actor=request.user,
                    action=Action.ADMIN_DELETE,
                    target_label=target_label(obj, pk),
                    details={"label": label},
                )
            )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=Action.ADMIN_DELETE,
            person=self.audit_person(obj),
            target=obj,
            details={"label": str(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only; the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CappedCountPaginator(Paginator):
    """A changelist's paginator that counts at most ``CAP`` rows. Django counts
    the whole table for every list page (a region's persons, bills or ledger
    entries: a read of millions of rows); counting up to the cap reads that
    many index entries whatever the size. Beyond it the list says CAP and
    offers CAP / per-page pages: staff search or filter instead of paging that deep."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        # No ORDER BY: with it, a search's count walked the list's order index
        # to find up to CAP matches; without it the planner reads the matches.
        # No select_related either: the list's joins (a ledger entry's account
        # and person) count no differently, and a hash join to build them read
        # the whole persons table (the ledger entries list: 1.61× at 200,000).
        return self.object_list.order_by().select_related(None)[: self.CAP].count()


class GrowingTableMixin:
    """For the admins of tables that grow with the region: the count is capped,
    and a filtered list does not count the whole table a second time."""

    paginator = CappedCountPaginator
    show_full_result_count = False


class SingletonAdmin(admin.ModelAdmin):
    """One settings row, seeded by a migration: editable, never a second one,
    never deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


_ID_SUFFIX = re.compile(r"^\d{3}[\dX]$")


@admin.register(AuditEvent)
class AuditEventAdmin(GrowingTableMixin, ReadOnlyAdmin):
    """The audit trail, read-only (append-only in the database too)."""

    list_display = ["at", "actor_label", "action", "person_label", "target"]
    list_filter = ["action", "at"]
    search_fields = ["action", "target", "actor_label", "person_label"]
    date_hierarchy = "at"
    fields = ["at", "actor", "actor_label", "action", "person", "person_label", "target", "details"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        results, dup = super().get_search_results(request, queryset, search_term)
        term = normalise.national_id(search_term)
        if _ID_SUFFIX.match(term):  # labels hold the masked ID: its last 4 characters
            results = results | queryset.filter(person_label__endswith=term)
        return results, dup


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """The job outbox: every background job, what it is doing, why it stopped.
    Nobody needs to act on it (the relay sends and resends by itself); "send
    again now" is for a job given up on after its cause was fixed."""

    list_display = ["id", "task", "subject", "status", "sends", "runs", "created_at", "progress_at"]
    list_filter = ["status", "task"]
    search_fields = ["=subject", "task", "=request_id"]
    fields = [
        "task",
        "args",
        "kwargs",
        "queue",
        "subject",
        "status",
        "sends",
        "runs",
        "created_at",
        "sent_at",
        "started_at",
        "progress_at",
        "finished_at",
        "last_error",
        "request_id",
    ]
    readonly_fields = fields
    actions = ["send_again"]
    show_full_result_count = False

    def has_send_again_permission(self, request) -> bool:
        return request.user.has_perm("core.change_job")

    @admin.action(
        permissions=["send_again"], description=gettext_lazy("Send the selected jobs again now")
    )
    def send_again(self, request, queryset) -> None:
        from core.jobs import job_send_again

        sent = sum(job_send_again(job_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d job sent again.", "%(n)d jobs sent again.", sent) % {"n": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )
