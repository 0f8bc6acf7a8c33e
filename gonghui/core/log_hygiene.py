"""What must never reach a log, how to find it, and how to blank it.

A log line must not hold a mobile number, an ID number, an applicant's status link
(`/r/<receipt>/`, `/api/v1/applications/status/<receipt>`) or a sign-in code. The code never
logs them; `find_leaks` is what the test suite checks every log record with (the top-level
conftest), and `redact` is the safety net on the way out: the console handler's formatter and
gunicorn's access log (a status link is a URL, and the access log writes URLs).
"""

import logging
import re
import unicodedata
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from gonghui.core.personal import id_number_check_character, mask_id_number, mask_mobile

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
STATUS_LINK = re.compile(r"(/r/|/applications/status/)([A-Za-z0-9_-]{8,})")
# A six-digit number close after a word for code: what an SMS text or a careless message with
# a sign-in code looks like.
SIGN_IN_CODE = re.compile(r"(?i)(code|验证码|码为)\D{0,24}(?<![0-9])[0-9]{6}(?![0-9])")


def _is_id_number(candidate: str) -> bool:
    return id_number_check_character(candidate[:17]) == candidate[17].upper()


def find_leaks(text: str) -> list[str]:
    """The kinds of secret found in `text` (full-width digits count), e.g. ["mobile"]."""
    text = unicodedata.normalize("NFKC", text)
    found = []
    if MOBILE.search(text):
        found.append("mobile")
    if any(_is_id_number(m.group(0)) for m in ID_NUMBER.finditer(text)):
        found.append("id_number")
    if STATUS_LINK.search(text):
        found.append("status_link")
    if SIGN_IN_CODE.search(text):
        found.append("sign_in_code")
    return found


def redact(text: str) -> str:
    """`text` with mobile and ID numbers masked and status-link secrets blanked."""
    text = STATUS_LINK.sub(lambda m: m.group(1) + "…", text)
    text = ID_NUMBER.sub(
        lambda m: mask_id_number(m.group(0)) if _is_id_number(m.group(0)) else m.group(0), text
    )
    return MOBILE.sub(lambda m: mask_mobile(m.group(0)), text)


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, with what `redact` masks masked. A formatter and
    not a filter: a filter would rewrite the record that every other handler sees too."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingPathFilter(logging.Filter):
    """Masks, in the record itself, what `redact` masks, for a Django logger that writes the
    request's path into its message ("Forbidden (CSRF cookie not set.): /api/v1/join/…"): a
    path is whatever the client sent, so it can hold a mobile number, and here rewriting the
    record for every handler is the point, since the message is Django's and not ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingGunicornLogger(GunicornLogger):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's logger with the access log's request line, path, query and headers
    redacted: a status page's address is its secret."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
