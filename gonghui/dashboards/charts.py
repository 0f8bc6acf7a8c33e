"""Small server-side SVG charts: horizontal bars and columns over time.

Rendered here rather than by a charting library (see docs/decisions/0010-charts.md): the
markup is a few hundred bytes per chart, carries no script, works offline and in print, and
its labels are text in the page's own font, so Chinese shows as the rest of the page does.
Every label is escaped; a chart says what it shows in its <title> for screen readers.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"
INK = "#1f2328"
MUTED = "#59636e"
GRID = "#d0d7de"
# The union red first, then colours that stay apart for the common kinds of colour blindness.
PALETTE = ("#c8161d", "#0969da", "#bf8700", "#1a7f37", "#8250df")


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k not below `value` (at least 1): a round axis maximum."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: int) -> str:
    return f"{value:,}"


def shorten(label: str, limit: int) -> str:
    """The label cut to `limit` characters, its last one an ellipsis when cut."""
    return label if len(label) <= limit else label[: max(limit - 1, 1)] + "…"


def _label(label: str, limit: int) -> str:
    """A label's text, cut to fit; a cut label carries its full text as a hover <title>."""
    short = shorten(label, limit)
    hover = f"<title>{escape(label)}</title>" if short != label else ""
    return f"{hover}{escape(short)}"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" font-family="{FONT}" font-size="12" fill="{INK}">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 — every text is escaped


def bar_chart(
    items: Sequence[tuple[str, int]], *, title: str, width: int = 480, label_width: int = 150
) -> SafeString:
    """One horizontal bar per item, labelled on the left (cut with an ellipsis to the room
    there, the full text on hover), its value at the bar's end."""
    row, top = 26, 8
    # A CJK character is about one em (12 px) wide; Latin ones are narrower, so this is safe.
    limit = max((label_width - 8) // 12, 2)
    height = top * 2 + row * max(len(items), 1)
    largest = max((value for _label, value in items), default=0) or 1
    room = width - label_width - 70
    body: list[str] = []
    for index, (label, value) in enumerate(items):
        y = top + index * row
        length = round(room * value / largest) if value else 0
        body.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{_label(label, limit)}</text>"
            f'<rect x="{label_width}" y="{y + 5}" width="{length}" height="16" rx="2" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 17}" fill="{MUTED}">'
            f"{_number(value)}</text>"
        )
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """Columns over time, one group per label and one colour per series, with a legend, a
    rounded vertical scale and as many time labels as fit."""
    left, right, top, bottom = 48, 8, 28, 26
    plot_width, plot_height = width - left - right, height - top - bottom
    largest = nice_ceiling(max((max(s.values, default=0) for s in series), default=0))
    body: list[str] = []
    legend_x = left
    for index, item in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<rect x="{legend_x}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="15">{escape(item.name)}</text>'
        )
        legend_x += 28 + 13 * len(item.name)
    for fraction in (0, 0.5, 1):
        y = top + plot_height - round(plot_height * fraction)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" stroke="{GRID}"/>')
        # Half of an odd maximum (1, 5) is no whole number: its line stays, unlabelled,
        # rather than read "0" or "2" where 0.5 or 2.5 is meant.
        if (largest * fraction).is_integer():
            body.append(
                f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{MUTED}">'
                f"{_number(round(largest * fraction))}</text>"
            )
    count = max(len(labels), 1)
    group = plot_width / count
    bar = max(group * 0.8 / max(len(series), 1), 1)
    every = math.ceil(count / max(plot_width // 56, 1))
    for position, label in enumerate(labels):
        x0 = left + position * group + group * 0.1
        for index, item in enumerate(series):
            value = item.values[position] if position < len(item.values) else 0
            if value:
                tall = max(round(plot_height * value / largest), 1)
                body.append(
                    f'<rect x="{x0 + index * bar:.1f}" y="{top + plot_height - tall}" '
                    f'width="{bar:.1f}" height="{tall}" fill="{PALETTE[index % len(PALETTE)]}">'
                    f"<title>{escape(label)} {escape(item.name)}: {_number(value)}</title></rect>"
                )
        if position % every == 0:
            body.append(
                f'<text x="{left + position * group + group / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
            )
    return _svg(width, height, title, body)
