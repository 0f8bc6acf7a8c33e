"""Reading figures off the dashboard page, as a person reads them."""

import re
from html import unescape


def number(text: str) -> int:
    """A number as the page writes it (199,128 in English, 199128 in Chinese)."""
    digits = re.sub(r"[^0-9-]", "", unescape(text))
    assert digits, text
    return int(digits)


def figure(html: str, name: str) -> int:
    """The big number of the figure with id fig-<name>."""
    found = re.search(rf'id="fig-{name}">\s*<(?:a|span) class="value"[^>]*>([^<]*)<', html)
    assert found, f"no figure {name}"
    return number(found.group(1))


def previous_of(html: str, name: str) -> str:
    """The comparison line under the figure fig-<name>."""
    found = re.search(rf'id="fig-{name}">.*?<small class="delta[^"]*">([^<]*)</small>', html, re.S)
    assert found, f"no comparison for {name}"
    return unescape(found.group(1)).strip()


def event_row(html: str, event_id: int) -> str:
    found = re.search(rf'<tr id="event-{event_id}">(.*?)</tr>', html, re.S)
    assert found, f"no row for event {event_id}"
    return found.group(1)


def approved_in(row: str) -> int:
    found = re.search(r'class="num approved">([^<]*)<', row)
    assert found
    return number(found.group(1))


def peak_in(row: str) -> int:
    found = re.search(r'class="num peak">([^<]*)<', row)
    assert found
    return number(found.group(1))
