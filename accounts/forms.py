"""Forms for the people pages. They check shape (ID number syntax, required
fields); the rules themselves live in accounts.services, whose refusals the views
attach back to the fields with form.add_error."""

import functools
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import national_id
from accounts.models import DependentBinding, Facility, NonLocalRegistration, Region
from accounts.services.registrations import registration_last_start

NOT_CLOSE = "other"  # in-laws, cousins...: offered so the refusal can explain A2


class NationalIdField(forms.CharField):
    """An ID number as typed (spaces, full-width digits, lower-case x allowed),
    cleaned to the normalized 18 characters, with GB 11643's messages."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("ID number"))
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        normalized, _born, _sex = national_id.parse(value)
        return normalized


# What a scanned or photographed document may be, told by its first bytes (a name
# ending in .pdf proves nothing): type -> the stored file's extension.
DOCUMENT_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
}


def document_max_mb() -> int:
    return int(getattr(settings, "ACCOUNTS_DOCUMENT_MAX_MB", 10))


class DocumentField(forms.FileField):
    """A birth certificate, household register page or residence permit: a PDF,
    JPG or PNG file of at most ACCOUNTS_DOCUMENT_MAX_MB (10) megabytes. It is
    stored under a random name: people often name such files after their ID
    number, which must not end up in paths, links or download headers (A1)."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or not hasattr(upload, "read"):
            return upload
        limit = document_max_mb()
        if upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _("This file is %(size).1f MB; the largest allowed is %(max)d MB."),
                code="document_size",
                params={"size": upload.size / 1024 / 1024, "max": limit},
            )
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        kind = next((ext for sig, ext in DOCUMENT_SIGNATURES.items() if head.startswith(sig)), None)
        if kind is None:
            raise ValidationError(
                _("Upload a PDF, JPG or PNG file (a scan or a photo of the document)."),
                code="document_type",
            )
        upload.name = f"{uuid.uuid4().hex}.{kind}"
        return upload


class DependentAddForm(forms.Form):
    national_id = NationalIdField(help_text=_("The relative's 18-character ID number."))
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(
        label=_("They are my"),
        choices=[("", _("Choose the relationship")), *DependentBinding.Relation.choices]
        + [(NOT_CLOSE, _("other relative (in-law, cousin, …)"))],
    )
    document = DocumentField(
        label=_("Birth certificate or household register page"),
        required=False,
        help_text=_(
            "Needed for relatives aged 16 or under: an administrator checks it "
            "before the child appears on your family page. A PDF, JPG or PNG file."
        ),
    )


def empty_add_form_html() -> str:
    """The add form's fields as an empty form draws them (the family page shows
    it to everyone): the same in a language for every user, so drawn once per
    process and language instead of on every visit."""
    return _empty_add_form_html(translation.get_language())


@functools.lru_cache(maxsize=8)
def _empty_add_form_html(language: str) -> str:
    return render_to_string("portal/_form.html", {"form": DependentAddForm()})


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the relative's text message"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class FacilityChoiceForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Designated outpatient facility"),
        # Any facility is accepted here so that one outside the region gets the
        # service's clear F2 message rather than "select a valid choice".
        queryset=Facility.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].widget.choices = [
            (facility.pk, facility_label(facility)) for facility in choices
        ]


def facility_label(facility: Facility) -> str:
    kind = facility.get_tier_display() if facility.tier else facility.get_kind_display()
    return f"{facility.name} · {kind}" + (f" · {facility.address}" if facility.address else "")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return str(obj)


class RegistrationForm(forms.Form):
    destination = RegionChoiceField(
        label=_("Destination (where the care happens)"),
        queryset=Region.objects.select_related("province").order_by("code"),
        empty_label=_("Choose a region"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=NonLocalRegistration.Kind.choices,
        help_text=_("Long-term kinds are valid until changed; temporary kinds for a fixed time."),
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    proof = forms.ChoiceField(
        label=_("Proof"),
        choices=NonLocalRegistration.Proof.choices,
        widget=forms.RadioSelect,
        help_text=_("Without a residence permit for the destination, sign the commitment letter."),
    )
    proof_document = DocumentField(
        label=_("Proof of residence"),
        required=False,
        help_text=_("A PDF, JPG or PNG file of the residence permit."),
    )
    commitment_accepted = forms.BooleanField(
        label=_("I have read and accept the commitment letter"), required=False
    )
    commitment_name = forms.CharField(label=_("Sign with your name"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # F3: the date picker offers only the days a filing can start on.
        last = registration_last_start()
        self.fields["start_date"].widget.attrs["max"] = last.isoformat()
        self.fields["start_date"].help_text = _(
            "Today or later, at most until %(last)s (an emergency may start earlier)."
        ) % {"last": last.isoformat()}
