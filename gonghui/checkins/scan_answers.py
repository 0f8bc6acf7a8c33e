"""How a member's own scan (the big screen's code, a station's poster) reads on the phone: a
big headline in a colour, then the details. Each page names its own headlines per answer code;
the shape and the "done at 10:42" wording rule are shared here."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from gonghui.checkins.verdict import ScanResult
from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError


@dataclass(frozen=True)
class ScanAnswer:
    tone: str  # ok, warn, bad (the CSS colour)
    title: str
    message: str
    code: str


def scan_answer(
    code: str,
    message: str,
    *,
    titles: dict[str, tuple[str, str]],
    fallback: str,
    done: str,
    checked_in_at: str = "",
) -> ScanAnswer:
    """The answer for `code` (titles: code → (tone, headline); unknown codes get `fallback`).
    A success with its time says `done` % {"time": "10:42"} instead of the action's message."""
    tone, title = titles.get(code, ("bad", fallback))
    if code == "checked_in" and checked_in_at:
        at = parse_datetime(checked_in_at)
        if at is not None:
            message = done % {"time": timezone.localtime(at).strftime("%H:%M")}
    return ScanAnswer(tone=tone, title=title, message=message, code=code)


def answered[T](scan: Callable[[], T]) -> T | ScanResult:
    """What `scan` returns, or its refusal as a ScanResult: on the member's phone a refused
    scan (a malformed code, a closed window) is an answer to show, not an error page (ADR
    0006). Missing and forbidden go on to the 404 and 403 pages like anywhere else."""
    try:
        return scan()
    except DomainError as error:
        if isinstance(error, NotFoundError | PermissionDeniedError):
            raise
        return ScanResult(ok=False, code=error.code, message=str(error.message))
