"""Forms for the claims pages (reads and the chronic-disease application)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import selectors as accounts_selectors
from accounts.authorization import APPLY_CHRONIC, FILE_CLAIM, VIEW_RECORDS
from accounts.forms import DocumentField
from accounts.models import Facility, Region
from claims.models import Disease, ReimbursementClaim, Visit
from claims.selectors.facilities import FLAGS
from core import clock


class _ReadOnceIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.objects():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.objects()) + (self.field.empty_label is not None)


class ReadOnceChoiceField(forms.ModelChoiceField):
    """A model choice whose queryset is read once per form: checking the value
    sent and drawing the options (again, with the errors or the result) share
    one query instead of two or three."""

    iterator = _ReadOnceIterator

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._read = None  # every form reads its own
        return result

    def _set_queryset(self, queryset) -> None:
        self._read = None
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def objects(self) -> list:
        if getattr(self, "_read", None) is None:
            self._read = list(self.queryset)
        return self._read

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for obj in self.objects():
            if str(getattr(obj, key)) == str(value):
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class PersonChoiceField(ReadOnceChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.region}"


def person_field(user, *, action: str = "", **kwargs) -> PersonChoiceField:
    """The family members the user may choose for `action` (the matrix of
    accounts/authorization.py; A7)."""
    kwargs.setdefault("empty_label", _("Choose a family member"))
    return PersonChoiceField(
        queryset=accounts_selectors.persons_for_user(user=user, action=action)
        .select_related("region__province")
        .order_by("pk"),
        label=_("Family member"),
        **kwargs,
    )


def _english() -> bool:
    return (get_language() or "").startswith("en")


class FacilityChoiceField(ReadOnceChoiceField):
    def label_from_instance(self, obj) -> str:
        tier = obj.get_tier_display() if obj.tier else obj.get_kind_display()
        region = obj.region.name_en if _english() else obj.region.name
        return f"{obj.name} · {region} · {tier}"


# What families read for each facility flag (the model's names cite rule ids).
FLAG_LABELS = {
    "outpatient_pooling": _("outpatient pooling"),
    "designated_outpatient": _("designated outpatient facility"),
    "cross_province_direct": _("cross-province direct settlement"),
    "chronic_settlement": _("chronic-disease settlement"),
    "wallet_payment": _("accepts wallet payment"),
}


class FacilitySearchForm(forms.Form):
    """F1: search facilities by region, kind, tier and flags; picking a family
    member fills in where they get care."""

    person = forms.ModelChoiceField(queryset=None, required=False, label=_("Near"))
    region = forms.ModelChoiceField(
        queryset=Region.objects.select_related("province").order_by("code"),
        required=False,
        label=_("Area"),
        empty_label=_("anywhere"),
    )
    kind = forms.ChoiceField(
        choices=[("", _("hospitals and pharmacies")), *Facility.Kind.choices],
        required=False,
        label=_("Kind"),
    )
    tier = forms.TypedChoiceField(
        choices=[("", _("any tier")), *Facility.Tier.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Tier"),
    )
    flags = forms.MultipleChoiceField(
        choices=[(name, FLAG_LABELS[name]) for name in FLAGS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Must offer"),
    )
    q = forms.CharField(required=False, max_length=50, label=_("Name contains"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = person_field(user, required=False, empty_label=_("— anybody —"))
        self.fields["person"].label = _("Near")


class ChronicApplyForm(forms.Form):
    """C5: apply for the recognition of a chronic or special disease."""

    person = forms.ModelChoiceField(queryset=None, label=_("Patient"))
    disease = forms.ModelChoiceField(
        queryset=Disease.objects.all(), label=_("Disease"), empty_label=_("Choose a disease")
    )
    hospital = FacilityChoiceField(
        queryset=Facility.objects.filter(kind=Facility.Kind.HOSPITAL).select_related("region"),
        label=_("Hospital"),
        empty_label=_("Choose a hospital"),
        help_text=_("The hospital that diagnosed the disease."),
    )
    diagnosis = forms.CharField(
        max_length=200,
        label=_("Diagnosis"),
        help_text=_("As written by the doctor, e.g. 原发性高血压 2级."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = person_field(user, action=APPLY_CHRONIC)
        self.fields["person"].label = _("Patient")
        # C5: recognised at home, so only hospitals in the family's insured provinces.
        provinces = self.fields["person"].queryset.values("region__province")
        self.fields["hospital"].queryset = self.fields["hospital"].queryset.filter(
            region__province__in=provinces
        )


class EstimateForm(forms.Form):
    """Before a visit: who, where, what for (the lines are a formset)."""

    person = forms.ModelChoiceField(queryset=None, label=_("Patient"))
    facility = FacilityChoiceField(
        queryset=Facility.objects.select_related("region").order_by("region__code", "name"),
        label=_("Facility"),
        empty_label=_("Choose a hospital or pharmacy"),
    )
    visit = forms.ChoiceField(choices=Visit.choices, initial=Visit.OUTPATIENT, label=_("Care"))
    disease = ReadOnceChoiceField(
        queryset=Disease.objects.all(),
        required=False,
        label=_("For a chronic or special disease"),
        empty_label=_("No, general care"),
    )
    day = forms.DateField(
        label=_("Date of the visit"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = person_field(user, action=VIEW_RECORDS)
        self.fields["person"].label = _("Patient")
        if not self.is_bound and not self.initial.get("person"):
            # The patient is usually the user: preselected, one tap to change.
            own = self.fields["person"].queryset.filter(user=user).first()
            self.initial["person"] = own.pk if own else None

    def clean_day(self):
        return self.cleaned_data.get("day") or clock.localdate()

    def clean(self):
        cleaned = super().clean()
        facility = cleaned.get("facility")
        if cleaned.get("visit") == Visit.INPATIENT and facility and facility.kind != "hospital":
            self.add_error("visit", _("Inpatient care is only given in hospitals, not pharmacies."))
        return cleaned


class EstimateLineForm(forms.Form):
    code = forms.CharField(
        max_length=30,
        required=False,
        label=_("Directory item"),
        # Search as you type (htmx): the suggestions for what was typed replace
        # the page's list of options; the page never carries the directory.
        widget=forms.TextInput(
            attrs={
                "list": "directory-items",
                "autocomplete": "off",
                "hx-get": reverse_lazy("claims:directory_search"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#directory-items",
                "hx-swap": "innerHTML",
                "hx-push-url": "false",
                "hx-sync": "this:replace",
            }
        ),
    )
    quantity = forms.DecimalField(
        min_value=Decimal("0.001"),
        max_digits=10,
        decimal_places=3,
        initial=1,
        required=False,
        label=_("Quantity"),
    )
    unit_price = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        required=False,
        label=_("Unit price"),
        help_text=_("Empty: the item's typical price."),
    )


# absolute_max: a TOTAL_FORMS of 1000 is a form error, not 1000 forms to clean.
EstimateLineFormSet = forms.formset_factory(
    EstimateLineForm, extra=4, max_num=20, absolute_max=20, validate_max=True
)


class YearForm(forms.Form):
    year = forms.TypedChoiceField(coerce=int, label=_("Year"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        this_year = clock.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - 6, -1)]
        self.fields["year"].initial = this_year


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """M1: one or more scans or photos (PDF, JPG or PNG, told by content, each
    at most ACCOUNTS_DOCUMENT_MAX_MB), each renamed at random (A1: no ID
    numbers in file names)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget", _MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        one = DocumentField(required=self.required)
        uploads = data if isinstance(data, (list, tuple)) else [data]
        uploads = [upload for upload in uploads if upload]
        if not uploads:
            return [] if not self.required else [one.clean(None)]
        return [one.clean(upload) for upload in uploads]


class ReimbursementForm(forms.Form):
    """M1: an out-of-pocket claim for a visit paid in full."""

    person = forms.ModelChoiceField(queryset=None, label=_("Patient"))
    facility = FacilityChoiceField(
        queryset=Facility.objects.select_related("region").order_by("region__code", "name"),
        label=_("Facility"),
        empty_label=_("Choose a hospital or pharmacy"),
    )
    visit = forms.ChoiceField(choices=Visit.choices, initial=Visit.OUTPATIENT, label=_("Care"))
    why = forms.ChoiceField(
        choices=ReimbursementClaim.Why.choices, label=_("Why it was not settled directly")
    )
    care_from = forms.DateField(
        label=_("First day of care"), widget=forms.DateInput(attrs={"type": "date"})
    )
    care_until = forms.DateField(
        label=_("Last day of care"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_paid = forms.DecimalField(
        label=_("Amount paid"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    invoices = DocumentsField(
        label=_("Invoices"), help_text=_("PDF files or photos of every invoice.")
    )
    expense_lists = DocumentsField(
        label=_("List of expenses"),
        help_text=_("The itemised list the facility gave you (PDF or photos)."),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=60)
    bank_account = forms.RegexField(
        label=_("Bank account number"),
        regex=r"^[0-9 ]{8,34}$",
        max_length=40,
        error_messages={"invalid": _("Enter the account number in digits.")},
    )
    account_holder = forms.CharField(label=_("Account holder"), max_length=50)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = person_field(user, action=FILE_CLAIM)
        self.fields["person"].label = _("Patient")


class DirectorySearchForm(forms.Form):
    """D1: what to look for, in which year's edition, for whom."""

    q = forms.CharField(
        label=_("Name, code or pinyin initials"),
        max_length=60,
        required=False,
        help_text=_("For example 阿莫西林, D0001 or AMXL."),
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())
    person = forms.ModelChoiceField(queryset=None, label=_("Whose region"), required=False)

    def __init__(self, *args, user, years, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["person"] = person_field(user, required=False)
        self.fields["person"].label = _("Whose region")
