"""Pieces the staff admin's checklists share: manual tasks and recipient notices.

Both are a step staff carry out outside the portal and then tick, with a note of what
they did: a list filter on whether the step is done (its time field is set), and a
form that refuses the tick without a note.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


def done_filter(field: str, *, to_do, done) -> type[admin.SimpleListFilter]:
    """A list filter "state": to do (`field` empty) or done (`field` set)."""

    class DoneFilter(admin.SimpleListFilter):
        title = _("state")
        parameter_name = "state"

        def lookups(self, request, model_admin):
            return [("open", to_do), ("done", done)]

        def queryset(self, request, queryset):
            if self.value() in ("open", "done"):
                return queryset.filter(**{f"{field}__isnull": self.value() == "open"})
            return queryset

    return DoneFilter


class TickWithNoteForm(forms.ModelForm):
    """A model form with a tick (`tick_field`) that needs the `note` field filled in."""

    tick_field: str
    note_missing: str

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(self.tick_field) and not (cleaned.get("note") or "").strip():
            self.add_error("note", self.note_missing)
        return cleaned
