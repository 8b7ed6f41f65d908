from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import NationalIdField
from accounts.services import person_claimable


class SignUpForm(UserCreationForm):
    """Django's sign-up form (username + password twice, validated) plus the ID
    number and name of the insurance record the new login claims (A1)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("Your name as on your insurance record."),
    )
    national_id = NationalIdField(help_text=_("Your 18-character resident ID number."))

    field_order = ["username", "name", "national_id", "password1", "password2"]

    def clean(self):
        cleaned = super().clean()
        # Checked here so every problem shows at once; the claim is checked again
        # under a row lock when the account is created (two sign-ups, one record).
        if cleaned.get("national_id") and cleaned.get("name"):
            try:
                person_claimable(national_id=cleaned["national_id"], name=cleaned["name"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's login form; the first field takes a username or the mobile
    number on one's insurance record (accounts.backends)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or phone number and the password do not match. "
            "Note that the password is case-sensitive."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or phone number")
        self.fields["username"].widget.attrs["autocomplete"] = "username"
