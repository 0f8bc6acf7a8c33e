"""Opening hours: whether a station is open at a moment, and how its hours read.

Hours are one daily span on chosen weekdays (or around the clock), in the site's time zone. A
span that closes before it opens runs past midnight: 18:00–02:00 on Friday is open until 02:00
on Saturday morning.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.stations.models import Station

WEEKDAYS = [
    ("1", gettext_lazy("Mon")),
    ("2", gettext_lazy("Tue")),
    ("3", gettext_lazy("Wed")),
    ("4", gettext_lazy("Thu")),
    ("5", gettext_lazy("Fri")),
    ("6", gettext_lazy("Sat")),
    ("7", gettext_lazy("Sun")),
]
_NAMES = dict(WEEKDAYS)


def _on(weekdays: str, day: int) -> bool:
    return str(day) in weekdays


def is_open(station: Station, at: datetime) -> bool:
    local = timezone.localtime(at)
    today = local.isoweekday()
    if station.all_day:
        return _on(station.weekdays, today)
    opens, closes = station.opens, station.closes
    if opens is None or closes is None:
        return False
    now = local.time()
    if opens < closes:
        return _on(station.weekdays, today) and opens <= now < closes
    yesterday = 7 if today == 1 else today - 1
    return (_on(station.weekdays, today) and now >= opens) or (
        _on(station.weekdays, yesterday) and now < closes
    )


def weekdays_label(weekdays: str) -> str:
    """ "Every day", "Mon–Fri", or the days one by one ("Mon, Wed, Sat")."""
    days = sorted({int(d) for d in weekdays if d in _NAMES})
    if len(days) == 7:
        return _("Every day")
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{_NAMES[str(days[0])]}–{_NAMES[str(days[-1])]}"
    # Translators: the separator between weekday names in a list ("Mon, Wed, Fri").
    return _(", ").join(str(_NAMES[str(d)]) for d in days)


def hours_label(station: Station) -> str:
    """The hours in one line: "Mon–Fri 07:00–21:00", "Every day, around the clock"."""
    days = weekdays_label(station.weekdays)
    if station.all_day or station.opens is None or station.closes is None:
        return _("%(days)s, around the clock") % {"days": days}
    span = f"{station.opens:%H:%M}–{station.closes:%H:%M}"
    if station.closes < station.opens:
        span = _("%(span)s (past midnight)") % {"span": span}
    return f"{days} {span}"


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    message: str  # "Open now, until 21:00", "Closed now, opens tomorrow at 07:00"


def _next_opening(station: Station, local: datetime) -> datetime | None:
    start = station.opens or time.min
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        if _on(station.weekdays, day.isoweekday()):
            opening = datetime.combine(day, start, tzinfo=local.tzinfo)
            if opening > local:
                return opening
    return None


def open_state(station: Station, at: datetime | None = None) -> OpenState:
    local = timezone.localtime(at or timezone.now())
    if is_open(station, local):
        if station.all_day or station.closes is None:
            return OpenState(True, _("Open now, around the clock"))
        return OpenState(True, _("Open now, until %(time)s") % {"time": f"{station.closes:%H:%M}"})
    opening = _next_opening(station, local)
    if opening is None:
        return OpenState(False, _("Closed now"))
    at_time = f"{opening:%H:%M}"
    if opening.date() == local.date():
        message = _("Closed now, opens at %(time)s") % {"time": at_time}
    elif opening.date() == local.date() + timedelta(days=1):
        message = _("Closed now, opens tomorrow at %(time)s") % {"time": at_time}
    else:
        message = _("Closed now, opens %(day)s at %(time)s") % {
            "day": _NAMES[str(opening.isoweekday())],
            "time": at_time,
        }
    return OpenState(False, message)
