"""The one searchable picker of the staff forms: a union or an enterprise chosen by typing a
few characters of a name or a code (see ADR 0019).

The widget is a text box with a hidden id beside it. With JavaScript (`core/picker.js`) it is
an ARIA combobox: htmx fetches suggestions from the app's search endpoint as the user types,
the arrow keys move through them, Enter chooses, Escape closes. Without JavaScript it is a plain
text field: the server resolves an exact name or code within the caller's scope, and says so
when nothing or more than one thing matches.

core knows nothing of orgs or enterprises: each app gives a `PickerSource` (its search over
the caller's scope, through the funnel) and a field class naming it
(`orgs.pickers.OrgPickerField`, `enterprises.pickers.EnterprisePickerField`). A form holding
picker fields calls `bind_pickers(form, user)` in its `__init__`, so every field searches and
validates within that user's scope.
"""

from dataclasses import dataclass
from typing import Any, Protocol, cast

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from gonghui.core import capabilities
from gonghui.core.capabilities import Capability
from gonghui.core.scoping import Viewer

#: At most this many suggestions; beyond, the list says "refine your search".
SUGGESTIONS = 20
#: The longest text searched (a name or a code is far shorter).
MAX_TEXT = 100


@dataclass(frozen=True)
class Suggestion:
    pk: int
    label: str
    #: what tells two alike apart: the parent union, a code (never personal data in clear)
    detail: str = ""


@dataclass(frozen=True)
class Suggestions:
    items: list[Suggestion]
    #: more matched than are listed
    more: bool
    text: str


class PickerSource(Protocol):
    """What a picker chooses from, for one user: an app's rows in that user's scope."""

    def search(self, user: Viewer, text: str, limit: int) -> list[Suggestion]:
        """Up to `limit` suggestions for the typed text, best first."""
        ...

    def exact(self, user: Viewer, text: str, limit: int) -> list[models.Model]:
        """The rows whose name or code is exactly `text`, at most `limit` (one is an answer,
        more are ambiguous: the form lists them to choose from)."""
        ...

    def describe(self, obj: Any) -> Suggestion:
        """The row as a suggestion (label and what tells it apart)."""
        ...

    def get(self, user: Viewer, pk: int) -> models.Model | None:
        """The row with this id if it is in the user's scope, else None."""
        ...

    def search_url(self) -> str:
        """The endpoint the widget asks (its query string names the scope, never the user)."""
        ...


def clean_text(text: str) -> str:
    """The typed text as searched: spaces at the ends dropped, bounded."""
    return " ".join(text.split())[:MAX_TEXT]


#: A picker needs at most this many capabilities at once (the roster import needs two).
MAX_CAPABILITIES = 3


def capabilities_in(query: Any) -> tuple[Capability, ...]:
    """The capabilities a search URL names (`cap=…`, at least one); an unknown one is a 404."""
    needed = query.getlist("cap")[:MAX_CAPABILITIES]
    if not needed:
        raise Http404
    try:
        for name in needed:
            capabilities.check(name)
    except capabilities.UnknownCapabilityError:
        raise Http404 from None
    return cast("tuple[Capability, ...]", tuple(needed))  # each one checked just above


def typed_text(query: Any) -> str:
    """The text the widget sent: htmx names it after the field (`<name>_text`)."""
    for key, value in query.items():
        if key.endswith("_text"):
            return str(value)
    return str(query.get("q", ""))


def results_ids(trigger: str | None) -> tuple[str, str]:
    """The ids of the listbox and the note of the widget whose text box (id `trigger`) asked."""
    base = "".join(c for c in (trigger or "picker") if c.isalnum() or c in "_-")[:80]
    return f"{base}_list", f"{base}_note"


def suggest(source: PickerSource, user: Viewer, text: str) -> Suggestions:
    """The suggestions a search endpoint answers with: one query, one more row than shown
    tells whether there are more."""
    text = clean_text(text)
    if not text:
        return Suggestions([], False, text)
    found = source.search(user, text, SUGGESTIONS + 1)
    return Suggestions(found[:SUGGESTIONS], len(found) > SUGGESTIONS, text)


class PickerWidget(forms.Widget):
    """A hidden id and a visible text box (`<name>_text`), wired as a combobox by picker.js."""

    template_name = "core/picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.source: PickerSource | None = None
        self.placeholder: Any = ""
        # Rows that all bear the typed name, offered as radio buttons (works without JS).
        self.candidates: list[Suggestion] = []

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (str(data.get(name, "")).strip(), str(data.get(f"{name}_text", "")))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_text" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        pk, text = value if isinstance(value, tuple) else ("", "")
        widget = context["widget"]
        widget["pk"] = pk
        widget["text"] = text
        # Reversed when drawn, not when the form class is defined (URLs may not be loaded yet).
        widget["search_url"] = self.source.search_url() if self.source is not None else ""
        widget["placeholder"] = self.placeholder
        widget["candidates"] = self.candidates
        return context


class PickerField(forms.Field):
    """A choice among the rows of a `PickerSource`, validated within the bound user's scope:
    `cleaned_data` holds the model instance (or None when optional and left blank)."""

    widget = PickerWidget
    default_error_messages = {
        "not_found": _("Nothing you may choose here is called “%(text)s”."),
        "ambiguous": _("More than one match “%(text)s”: choose one."),
    }
    placeholder = _("Type a name or a code")

    def __init__(self, source: PickerSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.user: Viewer = AnonymousUser()
        assert isinstance(self.widget, PickerWidget)
        self.widget.source = source
        self.widget.placeholder = self.placeholder

    def __deepcopy__(self, memo: dict[int, Any]) -> "PickerField":
        copied = super().__deepcopy__(memo)
        assert isinstance(copied, PickerField)
        copied.source = self.source
        copied.user = self.user
        assert isinstance(copied.widget, PickerWidget)
        copied.widget.source = self.source
        return copied

    def prepare_value(self, value: Any) -> tuple[str, str]:
        """(id, text) for the widget, from posted data, an initial id or an instance."""
        if isinstance(value, tuple):
            return value
        if isinstance(value, models.Model):
            return (str(value.pk), self.source.describe(value).label)
        if value in (None, ""):
            return ("", "")
        try:
            obj = self.source.get(self.user, int(value))
        except (TypeError, ValueError):
            return ("", "")
        return (str(value), self.source.describe(obj).label) if obj is not None else ("", "")

    def to_python(self, value: Any) -> models.Model | None:
        pk, text = value if isinstance(value, tuple) else (str(value or ""), "")
        text = clean_text(text)
        if pk:
            obj = self.source.get(self.user, int(pk)) if pk.isdigit() else None
            if obj is None:
                # An id the widget never offered: outside the scope nothing is admitted to
                # exist, as everywhere (the page's 404, alike for missing and forbidden).
                raise Http404
            # The id is what was chosen; a text typed after choosing it without choosing again
            # is cleared by picker.js, and without JavaScript there is no id.
            return obj
        if not text:
            return None
        found = self.source.exact(self.user, text, SUGGESTIONS)
        assert isinstance(self.widget, PickerWidget)
        self.widget.candidates = []
        if not found:
            raise ValidationError(
                self.error_messages["not_found"], "not_found", params={"text": text}
            )
        if len(found) > 1:
            self.widget.candidates = [self.source.describe(obj) for obj in found]
            raise ValidationError(
                self.error_messages["ambiguous"], "ambiguous", params={"text": text}
            )
        return found[0]

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], "required")


def bind_pickers(form: forms.BaseForm, user: Viewer) -> None:
    """Let every picker field of the form search and validate within `user`'s scope."""
    for field in form.fields.values():
        if isinstance(field, PickerField):
            field.user = user


def answer(request: HttpRequest, source: PickerSource) -> HttpResponse:
    """A search endpoint's answer: the listbox for the text box that asked (htmx names it in
    `HX-Trigger`) and, out of band, its note ("more: refine", "nothing matches")."""
    list_id, note_id = results_ids(request.headers.get("HX-Trigger"))
    suggestions = suggest(source, request.user, typed_text(request.GET))
    response = render(
        request,
        "core/picker_results.html",
        {"suggestions": suggestions, "list_id": list_id, "note_id": note_id},
    )
    add_never_cache_headers(response)
    return response
