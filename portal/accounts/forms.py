import re

from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.org.models import User


class CodeForm(forms.Form):
    """A code of an authenticator app: six digits; spaces (as in "123 456") are ignored."""

    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("Enter the six digits your authenticator app shows."))
        return code


class NewAccountForm(AdminUserCreationForm):
    """The admin's add form: the password the security administrator sets is a one-time one."""

    def save(self, commit: bool = True) -> User:
        self.instance.must_change_password = True
        return super().save(commit=commit)


class HandedPasswordForm(AdminPasswordChangeForm):
    """The admin's password form for another account: its holder must replace it at once."""

    def save(self, commit: bool = True) -> User:
        self.user.must_change_password = True
        return super().save(commit=commit)
