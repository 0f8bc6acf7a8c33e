"""Periods of whole local days, both ends inclusive: the one shape every figure of a period
uses (dashboards, station visits, benefits usage). A period is compared with the period of
equal length just before (whole months with as many whole months). Staff pick a preset (this
month, last month, this year) or their own dates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.errors import DomainError

# Five years and a leap day: figures over longer spans mean little and cost a lot.
MAX_DAYS = 5 * 365 + 2

THIS_MONTH = "this_month"
LAST_MONTH = "last_month"
THIS_YEAR = "this_year"
CUSTOM = "custom"
DEFAULT_PRESET = THIS_YEAR
PRESETS = [
    (THIS_MONTH, gettext_lazy("This month")),
    (LAST_MONTH, gettext_lazy("Last month")),
    (THIS_YEAR, gettext_lazy("This year")),
    (CUSTOM, gettext_lazy("Custom dates")),
]


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    preset: str = CUSTOM

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def moments(self) -> tuple[datetime, datetime]:
        """[from, to) as aware datetimes: the first moment of the first day and of the day
        after the last, in the site's time zone (a range a timestamp index serves)."""
        return day_start(self.start), day_start(self.end + timedelta(days=1))

    def previous(self) -> "Period":
        """The period of equal length that ends the day before this one starts: as many whole
        months before when this one is whole months (last year for this year, September for
        October), else as many days."""
        end = self.start - timedelta(days=1)
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            index = self.start.year * 12 + self.start.month - 1 - months
            return Period(date(index // 12, index % 12 + 1, 1), end)
        return Period(end - timedelta(days=self.days - 1), end)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def query(self) -> dict[str, str]:
        """The URL parameters that name this period again (for links and exports)."""
        if self.preset != CUSTOM:
            return {"period": self.preset}
        return {"period": CUSTOM, "start": self.start.isoformat(), "end": self.end.isoformat()}


def day_start(day: date) -> datetime:
    """The first moment of a local day, aware, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def preset_period(preset: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if preset == THIS_MONTH:
        start = today.replace(day=1)
        return Period(start, _month_end(start), THIS_MONTH)
    if preset == LAST_MONTH:
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, LAST_MONTH)
    if preset == THIS_YEAR:
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), THIS_YEAR)
    raise ValueError(preset)


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _date(value: str | date | None, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = _("Enter a date as YYYY-MM-DD.")
        raise DomainError("invalid_date", message, fields={field: [message]}) from None


def custom_period(start: str | date | None, end: str | date | None) -> Period:
    """A period of the staff member's own dates; refused when impossible or too long."""
    first, last = _date(start, "start"), _date(end, "end")
    if first is None or last is None:
        message = _("Enter both the first and the last day of the period.")
        field = "start" if first is None else "end"
        raise DomainError("incomplete_period", message, fields={field: [message]})
    if last < first:
        message = _("The end of the period is before its start.")
        raise DomainError("invalid_period", message, fields={"end": [message]})
    if (last - first).days + 1 > MAX_DAYS:
        message = _("A period can be at most five years long.")
        raise DomainError("period_too_long", message, fields={"end": [message]})
    return Period(first, last, CUSTOM)


def parse_period(
    preset: str | None,
    start: str | date | None = None,
    end: str | date | None = None,
    *,
    today: date | None = None,
) -> Period:
    """The period a request asks for: a preset, or custom dates (given dates without a preset
    mean custom); nothing at all means this year."""
    preset = (preset or "").strip()
    if not preset:
        preset = CUSTOM if (start or end) else DEFAULT_PRESET
    if preset == CUSTOM:
        return custom_period(start, end)
    if preset not in {value for value, _label in PRESETS}:
        message = _("Choose one of the periods offered.")
        raise DomainError("invalid_preset", message, fields={"period": [message]})
    return preset_period(preset, today)
