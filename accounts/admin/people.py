"""Regions, insured persons (A1) and relationships (A2) in the admin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.admin.lockouts import LockoutLiftMixin
from accounts.admin.search import PersonSearchMixin, national_id_lookup
from accounts.forms import NationalIdField
from accounts.models import (
    InsuredPerson,
    Province,
    Region,
    Relationship,
)
from core import normalise
from core.admin import AuditedAdmin, GrowingTableMixin


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

    def clean_phone(self) -> str:
        """Stored as bulk activation stores it (core.normalise): digits only."""
        typed = self.cleaned_data["phone"]
        if not typed:
            return ""
        phone = normalise.phone(typed)
        if phone is None:
            raise ValidationError(
                _("Enter a mobile number (11 digits) or a landline with its area code."),
                code="phone",
            )
        return phone


@admin.register(InsuredPerson)
class InsuredPersonAdmin(LockoutLiftMixin, GrowingTableMixin, PersonSearchMixin, AuditedAdmin):
    person_path = ""

    def audit_person(self, obj):
        return obj

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

    actions = ["verify_in_person", "lift_lockout"]

    def login_of(self, obj: InsuredPerson):
        return obj.user

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
