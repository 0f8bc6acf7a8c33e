"""The member app's shared pieces: the bottom navigation and how a span of time is written."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    key: str
    url: str
    label: str | Promise
    current: bool


# (key, URL name, label, the path prefixes that belong to the section)
SECTIONS: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("card", "members:card", _("Card"), ("/me/card",)),
    ("activities", "events:member_list", _("Activities"), ("/a/",)),
    ("services", "benefits:member_list", _("Services"), ("/services/", "/offers/", "/me/wallet")),
    ("stations", "stations:member_list", _("Stations"), ("/stations/",)),
    ("me", "web:me", _("Me"), ("/me/",)),
]


def current_section(path: str) -> str:
    """The section a member page belongs to (the first whose prefix matches), or ""."""
    for key, _name, _label, prefixes in SECTIONS:
        if path.startswith(prefixes):
            return key
    return ""


@register.simple_tag(takes_context=True)
def member_nav(context: dict[str, Any]) -> list[NavItem]:
    request: HttpRequest | None = context.get("request")
    current = current_section(request.path) if request is not None else ""
    return [
        NavItem(key, reverse(name), label, key == current)
        for key, name, label, _prefixes in SECTIONS
    ]


@register.filter
def date_range(start: datetime | None, end: datetime | None) -> str:
    """ "MM-DD HH:MM – MM-DD HH:MM" within the current year, the end's time alone on the same
    day, and the year on both ends otherwise ("2026-11-07 13:00 – 2027-02-05 13:00"), so a
    span across New Year or in another year is never misread."""
    if start is None:
        return ""
    start = timezone.localtime(start)
    if end is None:
        return f"{start:%Y-%m-%d %H:%M} –"
    end = timezone.localtime(end)
    this_year = timezone.localdate().year
    if start.year == end.year == this_year:
        if start.date() == end.date():
            return f"{start:%m-%d %H:%M} – {end:%H:%M}"
        return f"{start:%m-%d %H:%M} – {end:%m-%d %H:%M}"
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M} – {end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
