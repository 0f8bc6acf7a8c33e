"""How a scan reads, on a member's phone (the big screen's code, a station's poster) and on
every scanning desk (card check-in, the provider's redemption, the card verifier): a big
headline in a colour with an icon and a word, then the details. Each page names its own
headlines per answer code; the shape, the "done at 10:42" wording rule and the desk's
one look (`checkins/scan_result.html`) are shared here."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise

from gonghui.checkins.verdict import ScanResult
from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError


@dataclass(frozen=True)
class ScanAnswer:
    tone: str  # ok, warn, bad (the CSS colour)
    title: str
    message: str
    code: str
    who: str = ""  # the member (masked name · number) or the offer the answer is about
    first_at: str = ""  # when an already-used code was first used, local "YYYY-MM-DD HH:MM"


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


def first_use(iso: str) -> str:
    """An ISO time of a first use as the desk shows it, local and to the minute ("" if none)."""
    at = parse_datetime(iso) if iso else None
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def desk_answer(
    code: str,
    message: str,
    *,
    ok: bool,
    titles: Mapping[str, str | Promise],
    fallback: str | Promise,
    who: str = "",
    first_at: str = "",
) -> ScanAnswer:
    """A scanning desk's answer: green only for `ok`, every refusal red (a busy clerk must not
    honour an already-used code because its card looked friendly). `titles` names the
    headline per code, `fallback` the rest; `first_at` is the ISO time of the first use."""
    return ScanAnswer(
        tone="ok" if ok else "bad",
        title=str(titles.get(code, fallback)),
        message=message,
        code=code,
        who=who,
        first_at=first_use(first_at),
    )


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
