from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.forms import NationalIdField
from portal.security import password_retyped


class SignUpStartForm(forms.Form):
    """Sign-up, first step: the ID number and name find the insurance record (A1)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("Your name as on your insurance record."),
    )
    national_id = NationalIdField(help_text=_("Your 18-character resident ID number."))


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code from the text message"))
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        )


class SignUpFinishForm(UserCreationForm):
    """Sign-up, second step: the code texted to the record's phone, and the
    login to create (Django's username and password checks)."""

    code = CodeField(widget=forms.TextInput(attrs={"autofocus": True}))

    field_order = ["code", "username", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)  # the code comes first


class PasswordResetStartForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username or phone number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class PasswordResetFinishForm(SetPasswordForm):
    """The code texted to the phone on the record, and the new password twice
    (Django's password checks)."""

    code = CodeField(widget=forms.TextInput(attrs={"autofocus": True}))

    field_order = ["code", "new_password1", "new_password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs.pop("autofocus", None)


class BoundedUsernameMixin:
    """Django's login forms set the username's max_length after the field is
    built, so only the browser's maxlength held: a longer name went on to the
    password check and the lockout row. Here it is a field error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
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


class RetypedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, whose old password is checked as a login try
    (A5): django-axes counts a wrong one, and a locked login is refused."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if password_retyped(self.request, old_password) is not True:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    """The admin's login form, with the username bounded as on the portal's."""
