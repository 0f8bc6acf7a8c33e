"""Text hygiene: which characters a name or a free text may hold, and which text a
spreadsheet program would run as a formula. Every form, API call, import and export goes
through these functions, so that the rule lives in one place.

- **Names** (of people, unions, enterprises, stations, activities …) refuse control characters
  (C0, C1), invisible format characters (bidi overrides and isolates, zero-width characters,
  the BOM …), line and paragraph separators, unpaired surrogates and private-use characters,
  `<` and `>`, and a start that a spreadsheet would run as a formula. A person's name also
  refuses digits and punctuation other than the middle dots of minority and foreign names
  (阿卜杜·热合曼), a period, an apostrophe and a hyphen.
- **Free text** (descriptions, addresses, notes) refuses control characters except tab and
  line breaks (multi-line text only), and the bidi controls that make text read differently
  from how it is stored. A leading `-` or `=` stays: free text is escaped on export instead.
- **Spreadsheet cells**: `looks_like_formula` is the one rule. An import refuses such a text
  cell; an export writes it through `spreadsheet_text`, which puts an apostrophe before it.
  Numbers are written as numbers, never escaped: a negative number is not a formula, and
  neither is text that is only a signed number (`-5`, `+86 139 1000 0002`, `+3.5%`).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError

# A spreadsheet program runs a cell that starts with one of these as a formula (CSV or formula
# injection: `=HYPERLINK(…)`, `+cmd|' /C calc'!A0`, `@SUM(…)`); a leading tab or carriage
# return hides such a start from a reader of the file.
FORMULA_STARTS = ("=", "+", "-", "@")
HIDDEN_STARTS = ("\t", "\r")
# Spaces and quotes a spreadsheet program skips before it looks for a formula.
IGNORED_BEFORE_FORMULA = " \t\r\n'\"`‘’“”"
SIGNED_NUMBER = re.compile(r"[+-]?[\d\s.,]*%?")

# Bidi embeddings, overrides, isolates and marks: they make text display in another order
# than it is stored ("RLO" spoofing of names and file names).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Unicode categories a name never holds: controls, format (invisible) characters, line and
# paragraph separators, surrogates, private use.
NAME_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
# Besides letters, combining marks and spaces, a person's name may hold these: the middle dots
# of minority and foreign names (· ・ ‧ • and the full-width ･), a period, an apostrophe and
# a hyphen (O'Brien, Jean-Luc).
PERSON_NAME_PUNCTUATION = frozenset("·・‧•･.'’-")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet program could run this text as a formula: it starts with =, +, -
    or @ (also full-width, also after spaces or quotes), or with a tab or carriage return.
    Text that is only a signed number is not a formula."""
    first = text[:1]
    if not first or first.isalnum():  # letters and digits (CJK too) never start a formula
        return False
    if first in HIDDEN_STARTS:
        return True
    head = unicodedata.normalize("NFKC", text[:64]).lstrip(IGNORED_BEFORE_FORMULA)
    if not head.startswith(FORMULA_STARTS):
        return False
    # head covers the whole text when it is this short
    return not (len(text) <= 64 and SIGNED_NUMBER.fullmatch(head.rstrip()))


def formula_start(text: str) -> str:
    """The character that makes `text` a formula (after any spaces or quotes), or "" when it
    is not one; a tab or carriage return when nothing else follows it."""
    if not looks_like_formula(text):
        return ""
    head = unicodedata.normalize("NFKC", text[:64]).lstrip(IGNORED_BEFORE_FORMULA)
    return head[:1] if head.startswith(FORMULA_STARTS) else text[:1]


def spreadsheet_text(text: str) -> str:
    """Text for a cell of an exported file: a spreadsheet program shows it, never runs it.
    (write_string never makes a formula in .xlsx; the apostrophe keeps the file safe when it
    is saved again as CSV.)"""
    return "'" + text if looks_like_formula(text) else text


def _describe(character: str) -> str:
    name = unicodedata.name(character, "")
    code = f"U+{ord(character):04X}"
    return f"{code} {name}".strip()


def _refused_character(text: str, *, allowed: str = "", refuse_format: bool = True) -> str | None:
    if text.isprintable():  # no control, format, separator or private-use character
        return None
    for character in text:
        if character in allowed:
            continue
        if character in BIDI_CONTROLS:
            return character
        category = unicodedata.category(character)
        if category in ("Cc", "Cs"):
            return character
        if refuse_format and category in NAME_REFUSED_CATEGORIES:
            return character
    return None


def name_problem(text: str, *, person: bool = False) -> str | None:
    """Why a name cannot be stored, or None when it can."""
    refused = _refused_character(text)
    if refused is not None:
        return _("A name cannot hold the invisible or control character %(character)s.") % {
            "character": _describe(refused)
        }
    if "<" in text or ">" in text:
        return _("A name cannot hold “<” or “>”.")
    if looks_like_formula(text):
        return _(
            "A name cannot start with “=”, “+”, “-” or “@”: a spreadsheet would run it as a "
            "formula."
        )
    if person:
        for character in text:
            if character.isspace() or character in PERSON_NAME_PUNCTUATION:
                continue
            if unicodedata.category(character)[0] not in "LM":
                return _(
                    "A person's name holds letters only, with · between the parts of a "
                    "minority or foreign name; remove “%(character)s”."
                ) % {"character": character}
    return None


def free_text_problem(text: str, *, multiline: bool = True) -> str | None:
    """Why a free text cannot be stored, or None when it can."""
    allowed = "\t\n\r" if multiline else "\t"
    refused = _refused_character(text, allowed=allowed, refuse_format=False)
    if refused is None:
        return None
    if refused in "\n\r":
        return _("This text must fit on one line.")
    return _("The text holds the invisible or control character %(character)s; remove it.") % {
        "character": _describe(refused)
    }


def check_name(text: str, *, field: str, person: bool = False) -> str:
    """The name, or a DomainError (`unsafe_text`) naming the field and the problem."""
    problem = name_problem(text, person=person)
    if problem is not None:
        raise DomainError("unsafe_text", problem, fields={field: [problem]})
    return text


def check_free_text(text: str, *, field: str, multiline: bool = True) -> str:
    """The text, or a DomainError (`unsafe_text`) naming the field and the problem."""
    problem = free_text_problem(text, multiline=multiline)
    if problem is not None:
        raise DomainError("unsafe_text", problem, fields={field: [problem]})
    return text


def check_fields(
    values: Mapping[str, Any],
    *,
    names: Iterable[str] = (),
    lines: Iterable[str] = (),
    texts: Iterable[str] = (),
) -> None:
    """A DomainError (`unsafe_text`) for the first of `values` that breaks its rule: `names`
    follow the rules for names, `lines` for one line of free text, `texts` for free text."""
    for field in names:
        if values.get(field):
            check_name(str(values[field]), field=field)
    for field in lines:
        if values.get(field):
            check_free_text(str(values[field]), field=field, multiline=False)
    for field in texts:
        if values.get(field):
            check_free_text(str(values[field]), field=field)


class CheckedTextForm(forms.Form):
    """A form whose every text field refuses control and invisible characters: one line unless
    its widget is a Textarea. The fields in `name_fields` follow the rules for names, those in
    `person_name_fields` the rules for a person's name."""

    name_fields: tuple[str, ...] = ()
    person_name_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if not isinstance(value, str) or not value:
                continue
            if isinstance(field.widget, forms.PasswordInput | forms.HiddenInput):
                continue
            if name in self.person_name_fields:
                problem = name_problem(value, person=True)
            elif name in self.name_fields:
                problem = name_problem(value)
            else:
                problem = free_text_problem(
                    value, multiline=isinstance(field.widget, forms.Textarea)
                )
            if problem is not None:
                self.add_error(name, problem)
        return cleaned


# Form validators (Django fields): the same rules, as ValidationErrors.


def validate_name(text: str) -> None:
    problem = name_problem(text)
    if problem is not None:
        raise ValidationError(problem, code="unsafe_text")


def validate_person_name(text: str) -> None:
    problem = name_problem(text, person=True)
    if problem is not None:
        raise ValidationError(problem, code="unsafe_text")


def validate_line(text: str) -> None:
    problem = free_text_problem(text, multiline=False)
    if problem is not None:
        raise ValidationError(problem, code="unsafe_text")


def validate_free_text(text: str) -> None:
    problem = free_text_problem(text)
    if problem is not None:
        raise ValidationError(problem, code="unsafe_text")
