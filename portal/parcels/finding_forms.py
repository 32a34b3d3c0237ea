"""The conflict register's decision form: resolve or accept a finding, always with a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

RESOLVE = "resolve"
ACCEPT = "accept"


class DecisionForm(forms.Form):
    """``accept`` is offered only to those who may accept (administrators in scope)."""

    decision = forms.ChoiceField(label=_("decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("reason"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Say what was done or why the situation is tolerated; it stays in the history."
        ),
    )

    def __init__(self, *args: Any, may_accept: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(RESOLVE, _("resolved: the cause was fixed or it was a false alarm"))]
        if may_accept:
            choices.append((ACCEPT, _("accepted: known and tolerated, out of the open list")))
        self.fields["decision"].choices = choices
        self.fields["decision"].initial = RESOLVE
