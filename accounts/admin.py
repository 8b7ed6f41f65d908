"""Admin for people (RULES.md A, F): every model, searchable by the masked ID
suffix (last 4 characters), name and phone; the approval queue for child
bindings; the SMS outbox and the audit log read-only. The full ID number shows
only on an insured person's change page. Every change made here is audited."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import national_id, services
from accounts.forms import NationalIdField
from accounts.models import (
    AccountsPolicy,
    AuditEvent,
    DependentBinding,
    DesignatedFacilityChoice,
    Facility,
    InsuredPerson,
    NonLocalRegistration,
    OutboundMessage,
    PendingChildBinding,
    Province,
    Region,
    Relationship,
)

_SUFFIX = re.compile(r"^\d{3}[\dX]$")
_MASKED = re.compile(r"^(\d{4})\*+(\d{3}[\dX])$")


def national_id_lookup(term: str, prefix: str = "") -> dict | None:
    """Filter kwargs for an ID search term: the last 4 characters or a masked ID
    as shown on pages (4401**********1234). Full ID numbers are not searched on
    purpose: a search is a GET, and the number would land in URLs and logs (A1)."""
    term = national_id.normalize(term)
    field = f"{prefix}national_id"
    if _SUFFIX.match(term):
        return {f"{field}__endswith": term}
    masked = _MASKED.match(term)
    if masked:
        return {f"{field}__startswith": masked[1], f"{field}__endswith": masked[2]}
    return None


class PersonSearchMixin:
    """Admin search by name, phone and masked ID suffix of the person at `person_path`."""

    person_path = "person__"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        lookup = national_id_lookup(search_term, self.person_path)
        if lookup is not None:
            results = results | queryset.filter(**lookup)
        return results, may_have_duplicates


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin leaves an audit row
    (who, for whom, when, which fields; never the values of ID numbers)."""

    def _audit_person(self, obj):
        if isinstance(obj, InsuredPerson):
            return obj
        return getattr(obj, "person", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.audit_record(
            actor=request.user,
            action=f"admin.{obj._meta.model_name}.{'change' if change else 'add'}",
            person=self._audit_person(obj),
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
            services.audit_record(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.add",
                person=self._audit_person(obj),
                target=obj,
                details={"parent": f"{form.instance._meta.label}:{form.instance.pk}"},
            )
        for obj, fields in formset.changed_objects:
            services.audit_record(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.change",
                person=self._audit_person(obj),
                target=obj,
                details={"fields": list(fields)},
            )
        for obj, pk, label in deleted:
            if obj not in formset.deleted_objects:
                continue
            AuditEvent.objects.create(
                **services.audit_row(
                    actor=request.user,
                    action=f"admin.{obj._meta.model_name}.delete",
                    target_label=f"{obj._meta.label}:{pk}",
                    details={"label": label},
                )
            )

    def delete_model(self, request, obj):
        services.audit_record(
            actor=request.user,
            action=f"admin.{obj._meta.model_name}.delete",
            person=self._audit_person(obj),
            target=obj,
            details={"label": str(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Regions ---------------------------------------------------------------------------


class RegionInline(admin.TabularInline):
    model = Region
    extra = 0
    fields = ["code", "name", "name_en"]


@admin.register(Province)
class ProvinceAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "wallet_live",
        "usage_location_change",
        "cross_province_pooling",
        "designated_facility_required",
    ]
    list_editable = [
        "wallet_live",
        "usage_location_change",
        "cross_province_pooling",
        "designated_facility_required",
    ]
    list_filter = ["wallet_live", "usage_location_change", "designated_facility_required"]
    search_fields = ["code", "name", "name_en"]
    inlines = [RegionInline]


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name", "name_en", "province__name", "province__name_en"]

    def get_queryset(self, request):
        # Autocompletes show "province region": one query, not one per row.
        return super().get_queryset(request).select_related("province")


# Insured persons (A1) ----------------------------------------------------------------


class RegionFilter(admin.RelatedFieldListFilter):
    """Regions listed with their province in one query (a region's name shows it)."""

    def field_choices(self, field, request, model_admin):
        regions = Region.objects.select_related("province").order_by("code")
        return [(region.pk, str(region)) for region in regions]


class InsuredPersonForm(forms.ModelForm):
    # Accepts what people type (spaces, full-width digits, lower-case x) and
    # gives GB 11643's own messages.
    national_id = NationalIdField(label=_("national ID number"))

    class Meta:
        model = InsuredPerson
        fields = ["name", "national_id", "phone", "insurance_type", "region", "status", "user"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(PersonSearchMixin, AuditedAdmin):
    person_path = ""
    form = InsuredPersonForm
    list_display = ["name", "masked_id", "insurance_type", "region", "status", "phone", "user"]
    list_filter = ["insurance_type", "status", "region__province", ("region", RegionFilter)]
    list_select_related = ["region__province", "user"]
    search_fields = ["name", "phone"]
    autocomplete_fields = ["region"]
    raw_id_fields = ["user"]
    readonly_fields = ["birth_date", "sex", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "national_id", "birth_date", "sex", "phone"]}),
        (_("Insurance"), {"fields": ["insurance_type", "region", "status"]}),
        (_("Portal"), {"fields": ["user", "created_at", "updated_at"]}),
    ]

    actions = ["verify_in_person"]

    @admin.display(description=_("ID number"), ordering="national_id")
    def masked_id(self, obj: InsuredPerson) -> str:
        return obj.masked_id

    @admin.action(
        permissions=["change"],
        description=_("A1: verify in person and text a sign-up code"),
    )
    def verify_in_person(self, request, queryset):
        """A1: the person stands at the counter with their ID card and a phone;
        the administrator checks both and texts a sign-up code to that phone
        (for a record with no phone, or one its owner no longer has)."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one person to verify."), messages.WARNING)
            return None
        person = queryset.get()
        form = VerifyInPersonForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            try:
                services.signup_verify_in_person(
                    actor=request.user, person=person, phone=form.cleaned_data["phone"]
                )
            except ValidationError as exc:
                form.add_error("phone", exc.messages)
            else:
                self.message_user(
                    request,
                    _(
                        "A sign-up code was texted to the checked phone. %(name)s now signs "
                        "up with their ID number and name and enters that code."
                    )
                    % {"name": person.name},
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Verify %(name)s in person") % {"name": person.name},
            "person": person,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/verify_in_person.html", context)


class VerifyInPersonForm(forms.Form):
    checked_id = forms.BooleanField(
        label=_("I have seen the person's ID card and it matches this record"), required=True
    )
    phone = forms.CharField(
        label=_("Mobile number of the phone in the person's hands"),
        max_length=20,
        help_text=_("The sign-up code is texted to this number, not to the record's."),
    )


# Relationships (A2) -------------------------------------------------------------------


class _DryRun(Exception):
    pass


class RelationshipForm(forms.ModelForm):
    class Meta:
        model = Relationship
        fields = ["person_a", "kind", "person_b"]
        help_texts = {"kind": _("Read as: person A is the <kind> of person B.")}

    def clean(self):
        cleaned = super().clean()
        a, b, kind = cleaned.get("person_a"), cleaned.get("person_b"), cleaned.get("kind")
        if a is not None and b is not None and kind:
            # The service is the one place the A2 rules live: run it and roll back,
            # so its refusal shows on the form.
            try:
                with transaction.atomic():
                    services.relationship_create(actor=None, person_a=a, person_b=b, kind=kind)
                    raise _DryRun
            except _DryRun:
                pass
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return cleaned


@admin.register(Relationship)
class RelationshipAdmin(AuditedAdmin):
    """Relationships go through relationship_create (A2: once per pair, not with
    oneself, no contradiction, parents older than children)."""

    form = RelationshipForm
    list_display = ["person_a", "kind", "person_b", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["person_a", "person_b"]
    search_fields = ["person_a__name", "person_b__name", "person_a__phone", "person_b__phone"]
    autocomplete_fields = ["person_a", "person_b"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        results, dup = super().get_search_results(request, queryset, search_term)
        for prefix in ("person_a__", "person_b__"):
            lookup = national_id_lookup(search_term, prefix)
            if lookup is not None:
                results = results | queryset.filter(**lookup)
        return results, dup

    def save_model(self, request, obj, form, change):
        rel = services.relationship_create(
            actor=request.user, person_a=obj.person_a, person_b=obj.person_b, kind=obj.kind
        )
        obj.pk = rel.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.relationship_delete(actor=request.user, relationship=obj)


# Dependent accounts (A3) --------------------------------------------------------------


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
                refused.append(f"{binding.person.name}: {' '.join(exc.messages)}")
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


class BindingAdminBase(PersonSearchMixin, admin.ModelAdmin):
    list_display = [
        "person",
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
    search_fields = ["person__name", "person__phone", "user__username"]
    readonly_fields = [
        "user",
        "person",
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


# Facilities (F1, F2), registrations (F3) ---------------------------------------------------


class FacilityAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "region",
        "kind",
        "tier",
        "designated_outpatient",
        "outpatient_pooling",
        "cross_province_direct",
        "chronic_settlement",
        "wallet_payment",
    ]
    list_filter = [
        "kind",
        "tier",
        "designated_outpatient",
        "cross_province_direct",
        "wallet_payment",
        "region__province",
    ]
    list_select_related = ["region__province"]
    search_fields = ["code", "name", "address", "region__name"]
    autocomplete_fields = ["region"]


@admin.register(DesignatedFacilityChoice)
class DesignatedFacilityChoiceAdmin(PersonSearchMixin, ReadOnlyAdmin):
    list_display = ["person", "facility", "effective_from", "chosen_at", "chosen_by"]
    list_filter = ["effective_from", "person__region__province"]
    list_select_related = ["person", "facility", "chosen_by"]
    search_fields = ["person__name", "person__phone", "facility__name"]


@admin.register(NonLocalRegistration)
class NonLocalRegistrationAdmin(PersonSearchMixin, admin.ModelAdmin):
    list_display = [
        "person",
        "kind",
        "destination",
        "start_date",
        "end_date",
        "proof",
        "status",
        "created_at",
    ]
    list_filter = ["status", "kind", "proof", "destination__province", "person__insurance_type"]
    list_select_related = ["person", "destination__province"]
    search_fields = ["person__name", "person__phone", "destination__name"]
    readonly_fields = [
        "person",
        "destination",
        "kind",
        "start_date",
        "end_date",
        "proof",
        "proof_link",
        "commitment_signed_name",
        "commitment_signed_at",
        "commitment_text",
        "status",
        "created_at",
        "created_by",
        "cancelled_at",
    ]
    fields = readonly_fields
    actions = ["cancel_registrations"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/proof/",
                self.admin_site.admin_view(self.proof_view),
                name="accounts_nonlocalregistration_proof",
            ),
            *super().get_urls(),
        ]

    def proof_view(self, request: HttpRequest, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        registration = NonLocalRegistration.objects.filter(pk=pk).first()
        if registration is None or not registration.proof_document:
            raise Http404
        return FileResponse(registration.proof_document.open("rb"))

    @admin.display(description=_("proof document"))
    def proof_link(self, obj):
        if not obj.proof_document:
            return "—"
        url = reverse("admin:accounts_nonlocalregistration_proof", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("view document"))

    @admin.action(description=_("Cancel selected registrations"), permissions=["change"])
    def cancel_registrations(self, request, queryset):
        done = 0
        for registration in queryset.filter(status=NonLocalRegistration.Status.ACTIVE):
            services.registration_cancel(actor=request.user, registration=registration)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d registration cancelled.", "%(n)d registrations cancelled.", done)
            % {"n": done},
        )


# Outbox, audit, rules ------------------------------------------------------------------


@admin.register(OutboundMessage)
class OutboundMessageAdmin(PersonSearchMixin, ReadOnlyAdmin):
    """The SMS outbox: what would have been sent (no real SMS leaves the portal)."""

    list_display = ["created_at", "phone", "person", "purpose", "text", "sent_at"]
    list_filter = ["purpose", "created_at"]
    list_select_related = ["person"]
    search_fields = ["phone", "person__name"]
    fields = ["created_at", "phone", "person", "purpose", "text", "code_expires_at", "sent_at"]
    readonly_fields = fields
    actions = ["mark_sent"]

    @admin.display(description=_("message"))
    def text(self, obj: OutboundMessage) -> str:
        # A code shows only while the text waits to be sent and is still valid.
        return obj.readable_body

    def has_mark_sent_permission(self, request) -> bool:
        # The outbox stays read-only; only this action changes it (as a gateway would).
        return request.user.has_perm("accounts.change_outboundmessage")

    @admin.action(permissions=["mark_sent"], description=_("Mark as sent (the code is blanked)"))
    def mark_sent(self, request, queryset):
        """What an SMS gateway does after handing a text over: from then on the
        code in it can no longer be read here."""
        done = 0
        for message in queryset.filter(sent_at__isnull=True):
            message.sent_at = timezone.now()
            message.save(update_fields=["sent_at"])
            message.redact()
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d text marked as sent.", "%(n)d texts marked as sent.", done)
            % {"n": done},
            messages.SUCCESS,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, read-only (append-only in the database too)."""

    list_display = ["at", "actor_label", "action", "person_label", "target"]
    list_filter = ["action", "at"]
    search_fields = ["action", "target", "actor_label", "person_label"]
    date_hierarchy = "at"
    fields = ["at", "actor", "actor_label", "action", "person", "person_label", "target", "details"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        results, dup = super().get_search_results(request, queryset, search_term)
        term = national_id.normalize(search_term)
        if _SUFFIX.match(term):  # labels hold the masked ID: its last 4 characters
            results = results | queryset.filter(person_label__endswith=term)
        return results, dup


@admin.register(AccountsPolicy)
class AccountsPolicyAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "max_dependents",
        "review_age_limit",
        "code_ttl_minutes",
        "code_max_attempts",
        "facility_change_delay_days",
        "temporary_registration_months",
    ]

    def has_add_permission(self, request):
        return not AccountsPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


def register_facility_admin() -> None:
    """Facility is THE facility model (F1) and the claims app may register a
    richer admin for it; register ours only if nobody did (called from
    AccountsConfig.ready, after every admin module has been imported)."""
    if not admin.site.is_registered(Facility):
        admin.site.register(Facility, FacilityAdmin)
