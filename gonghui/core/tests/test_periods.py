from datetime import date

import pytest

from gonghui.core.errors import DomainError
from gonghui.core.periods import Period, parse_period, preset_period

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("preset", "start", "end", "previous_start", "previous_end"),
    [
        (
            "this_month",
            date(2026, 11, 1),
            date(2026, 11, 30),
            date(2026, 10, 1),
            date(2026, 10, 31),
        ),
        ("last_month", date(2026, 10, 1), date(2026, 10, 31), date(2026, 9, 1), date(2026, 9, 30)),
        ("this_year", date(2026, 1, 1), date(2026, 12, 31), date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_presets_and_the_period_before(preset, start, end, previous_start, previous_end):
    period = preset_period(preset, TODAY)
    assert (period.start, period.end, period.preset) == (start, end, preset)
    assert period.previous() == Period(previous_start, previous_end)
    assert period.query() == {"period": preset}


def test_last_month_in_january_is_last_december():
    period = preset_period("last_month", date(2027, 1, 15))
    assert (period.start, period.end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period.previous() == Period(date(2026, 11, 1), date(2026, 11, 30))


def test_a_leap_year_is_compared_with_the_year_before():
    assert Period(date(2024, 1, 1), date(2024, 12, 31)).previous() == Period(
        date(2023, 1, 1), date(2023, 12, 31)
    )
    # February of a leap year against January, both whole months.
    assert Period(date(2024, 2, 1), date(2024, 2, 29)).previous() == Period(
        date(2024, 1, 1), date(2024, 1, 31)
    )


def test_custom_dates_are_compared_with_as_many_days_before():
    period = parse_period("custom", "2026-11-10", "2026-11-16")
    assert period.days == 7
    assert period.previous() == Period(date(2026, 11, 3), date(2026, 11, 9))
    assert period.query() == {"period": "custom", "start": "2026-11-10", "end": "2026-11-16"}
    assert parse_period(None, "2026-11-10", "2026-11-10").days == 1


def test_nothing_asked_means_this_year():
    assert parse_period(None, today=TODAY) == preset_period("this_year", TODAY)
    assert parse_period("", "", "", today=TODAY).preset == "this_year"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("custom", "2026-11-10", "2026-11-09"), "invalid_period"),
        (("custom", "2021-01-01", "2026-01-02"), "period_too_long"),
        (("custom", "2026-11-10", None), "incomplete_period"),
        (("custom", None, "2026-11-10"), "incomplete_period"),
        (("custom", "2026-02-30", "2026-03-01"), "invalid_date"),
        (("fortnight", None, None), "invalid_preset"),
    ],
)
def test_impossible_periods_are_refused(args, code):
    with pytest.raises(DomainError) as refused:
        parse_period(*args)
    assert refused.value.code == code


def test_five_years_is_the_longest():
    assert parse_period("custom", "2021-01-01", "2025-12-31").days == 1826
    assert parse_period("custom", "2020-01-01", "2024-12-31").days == 1827
