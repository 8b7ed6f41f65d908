"""Forms for the money pages. They only collect input; the services decide (and
refuse with a Refusal whose `field` says where its message goes)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Province, Region
from core import reasons
from wallet.models import Transfer, new_idempotency_key


def region_choices():
    """W1: only regions where the wallet is live are offered as a usage location
    (the others would be refused on submit)."""
    return (
        Region.objects.filter(province__wallet_live=True)
        .select_related("province")
        .order_by("code")
    )


def provinces_not_live() -> list[str]:
    """The provinces whose regions are not offered (W1), named beside the choice."""
    return [str(p) for p in Province.objects.filter(wallet_live=False).order_by("code")]


class RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return str(obj)


class WalletOpenForm(forms.Form):
    usage_region = RegionField(
        label=_("Usage location"),
        queryset=Region.objects.none(),
        help_text=_("Where the wallet is used. It must be a region where wallets can be opened."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_region"].queryset = region_choices()
        self.fields["usage_region"].empty_label = _("Choose a region")
        missing = provinces_not_live()
        if missing:
            self.fields["usage_region"].help_text = _(
                "Where the wallet is used. Only regions where the wallet is live are listed; "
                "not yet live: %(provinces)s."
            ) % {"provinces": ", ".join(missing)}


class TransferForm(forms.Form):
    """The transfer form. The idempotency key is made when the form is first shown
    and travels in a hidden field, so a double click or a retried POST of the same
    form makes one transfer (W8)."""

    recipient = forms.TypedChoiceField(
        label=_("To"),
        coerce=int,
        error_messages={
            "invalid_choice": reasons.get("W5-01").sentence,
            "required": reasons.get("W5-01").sentence,
        },
    )
    # Any text is passed on: the service reads the amount and refuses anything that
    # is not one with a W6 message (a length limit here would answer in Django's
    # words instead).
    amount = forms.CharField(
        label=_("Amount (yuan)"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20}
        ),
    )
    # The model's labels cite W11 for the admin; families read the words only.
    source = forms.ChoiceField(
        label=_("Paid from"),
        choices=[
            (Transfer.Source.PERSONAL, _("personal account")),
            (Transfer.Source.WALLET, _("wallet (money received from relatives)")),
        ],
        initial=Transfer.Source.PERSONAL,
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, relatives, allow_wallet_source: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", _("Choose a relative"))] + [
            (p.pk, f"{p.name} ({p.masked_id})") for p in relatives
        ]
        if not allow_wallet_source:
            del self.fields["source"]
        if not self.is_bound:
            self.initial["idempotency_key"] = new_idempotency_key()

    def clean(self):
        cleaned = super().clean()
        if self.has_error("idempotency_key"):
            # The hidden key was missing or mangled: the page shows no hidden
            # field's error, so say it above the form and carry a fresh key, with
            # which sending again works.
            self.data = self.data.copy()
            self.data[self.add_prefix("idempotency_key")] = new_idempotency_key()
            raise forms.ValidationError(
                _("This form was out of date and nothing was sent: check it and press Send again."),
                code="stale_form",
            )
        return cleaned


class HistoryFilterForm(forms.Form):
    DIRECTIONS = [("", _("sent and received")), ("sent", _("sent")), ("received", _("received"))]

    person = forms.TypedChoiceField(label=_("Person"), coerce=int, required=False, empty_value=None)
    direction = forms.ChoiceField(label=_("Direction"), choices=DIRECTIONS, required=False)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("any"))] + list(Transfer.State.choices),
        required=False,
    )
    # "From"/"To" would read as sender/recipient (and share their translation).
    day_from = forms.DateField(
        label=_("Sent on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = forms.DateField(
        label=_("Sent on or before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("everyone"))] + [(p.pk, p.name) for p in persons]


class PoolingBindForm(forms.Form):
    relative = forms.TypedChoiceField(
        label=_("Relative"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of your close relatives from the list.")},
    )

    def __init__(self, *args, relatives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relative"].choices = [("", _("Choose a relative"))] + [
            (p.pk, f"{p.name} ({p.masked_id})") for p in relatives
        ]


class PremiumForm(forms.Form):
    allow_cash = forms.BooleanField(
        label=_("Pay in cash whatever the wallet and family pooling cannot cover"),
        required=False,
    )
