from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware
from django.utils.translation import gettext_lazy as _

from portal.core.geometry import repaired
from portal.core.services import RecordChangedError, check_unchanged, lock_row

# Stands for a posted version that is not a time: no stored record has it, so it is refused.
FORGED_VERSION = datetime.min.replace(tzinfo=UTC)


class GeometryRepairFormMixin(forms.ModelForm):  # type: ignore[type-arg]
    """Adds an explicit "repair invalid geometry" choice; without it invalid shapes are refused."""

    repair_geometry = forms.BooleanField(
        label=_("Repair invalid geometry"),
        required=False,
        help_text=_(
            "Rebuild self-intersecting or overlapping polygons into valid ones before saving. "
            "Check the result on the map."
        ),
    )
    polygon_field_names: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("repair_geometry"):
            for name in self.polygon_field_names:
                if cleaned.get(name) is not None:
                    try:
                        cleaned[name] = repaired(cleaned[name])
                    except forms.ValidationError as exc:
                        self.add_error(name, exc)
        return cleaned


class VersionFormMixin(forms.ModelForm):  # type: ignore[type-arg]
    """Carries the version (``updated_at``) of the record the editor opened and refuses the save,
    with an error on the form, if someone saved the record since: the second of two editors no
    longer silently overwrites the first.

    The check locks the stored row; the admin validates and saves a change in one transaction,
    so the row stays locked until this form's record is saved and an editor posting at the same
    moment waits, then sees the new version. A post without a version (a script) is checked
    against the version the record was read with when posted; a forged one matches nothing.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        loaded = getattr(self.instance, "updated_at", None)
        if self.instance.pk is not None and loaded is not None:
            self.initial["version"] = loaded.isoformat()

    def clean_version(self) -> datetime | None:
        text = self.cleaned_data.get("version") or ""
        if not text:
            return None
        try:
            version = parse_datetime(text)
        except ValueError:
            version = None
        # A text that is no time cannot be the stored version: flag it for clean() to refuse.
        return version if version is not None and is_aware(version) else FORGED_VERSION

    def checks_version(self) -> bool:
        """Whether this post would overwrite a stored record, so must name its version."""
        return self.instance.pk is not None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.checks_version():
            return cleaned
        seen = cleaned.get("version") or getattr(self.instance, "_loaded_updated_at", None)
        try:
            check_unchanged(self.instance, stored=lock_row(self.instance), seen=seen)
        except RecordChangedError as exc:
            self.add_error(None, exc.user_message)
        return cleaned


class InlineVersionFormMixin(VersionFormMixin):
    """The version check for a row of an admin inline. The admin saves every row whose posted
    values differ from the stored ones, so exactly those are checked: a row nobody changed does
    not hold up the save, and a row someone else changed since it was shown is refused rather
    than written back with the values it had then."""

    def checks_version(self) -> bool:
        return super().checks_version() and self.has_changed()
