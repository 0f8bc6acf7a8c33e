"""The integers, days and times the API accepts, bounded by what the code and the columns
can hold.

A number the database cannot hold must be refused as bad input (422 `invalid`) before it
reaches a query: PostgreSQL answers an out-of-range integer with an error and SQLite's driver
raises OverflowError, both of which would be a 500. The bounds are in the OpenAPI document,
so clients and the API's fuzz test see them too.

Days and times must be written out: pydantic on its own reads `20261301` as seconds since 1970
and `2026-01-01T00:00` as a day, so a typo in a filter would quietly give another period. The
years are bounded so that a period's arithmetic (the day after, a time zone) cannot overflow.
"""

import re
from datetime import date, datetime, time
from typing import Annotated, Any

from django.urls import register_converter
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

# Primary and foreign keys are bigint (DEFAULT_AUTO_FIELD is BigAutoField).
MAX_BIGINT = 2**63 - 1
# Versions, quotas, capacities and headcounts are integer (PositiveIntegerField).
MAX_INT = 2**31 - 1
FIRST_YEAR = 1900
LAST_YEAR = 2999

Id = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_day(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError("day_format", "Enter a date as YYYY-MM-DD.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("day_format", "Enter a date as YYYY-MM-DD.")
    return value


def _written_moment(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("moment_format", "Enter a time in ISO 8601.")
    if isinstance(value, str) and not value[:4].isdigit():
        raise PydanticCustomError("moment_format", "Enter a time in ISO 8601.")
    return value


def _in_years(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "year_range",
            "Enter a year from {first} to {last}.",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


Day = Annotated[
    date,
    BeforeValidator(_written_day),
    AfterValidator(_in_years),
    Field(description=f"YYYY-MM-DD, years {FIRST_YEAR}–{LAST_YEAR}."),
]
Moment = Annotated[
    datetime,
    BeforeValidator(_written_moment),
    AfterValidator(_in_years),
    Field(description=f"ISO 8601, years {FIRST_YEAR}–{LAST_YEAR}."),
]

_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9]"


def _written_clock(value: Any) -> Any:
    if not isinstance(value, time) and not (isinstance(value, str) and re.fullmatch(_CLOCK, value)):
        raise PydanticCustomError("clock_format", "Enter a time as HH:MM.")
    return value


# A time of day on the local clock (opening hours), written HH:MM both ways. JSON Schema's
# "time" format would promise RFC 3339 with an offset, which opening hours do not have, and a
# time with an offset cannot be stored in a time column.
_CLOCK_SCHEMA = {"type": "string", "pattern": f"^{_CLOCK}$", "description": "HH:MM, local time."}
ClockTime = Annotated[time, BeforeValidator(_written_clock), WithJsonSchema(_CLOCK_SCHEMA)]
ClockText = Annotated[str, WithJsonSchema(_CLOCK_SCHEMA)]


def clock_text(value: time | None) -> str | None:
    """How a ClockText answer writes a time of day."""
    return value.strftime("%H:%M") if value is not None else None


class IdConverter:
    """The `{id:…}` segment of an operation's path: digits, maybe signed, handed to the
    operation as text so that pydantic checks the range (422) and a segment that is not a
    number at all falls through to the JSON 404 of `errors.unknown_path`. Django's own `int`
    converter would make a huge number an int that the database cannot hold, and a `str`
    segment would let `/applications/{id}` swallow `/applications/approve`."""

    regex = r"-?[0-9]{1,30}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(IdConverter, "id")
