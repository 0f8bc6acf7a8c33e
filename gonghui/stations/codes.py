"""The code printed on a station's QR poster: `GS1.<station id>.<signature>`.

The signature is HMAC-SHA256 of "station:<id>" under the station checkpoint's secret (the
secret of the rotating screen codes, with another message, so neither code passes for the
other). It never changes by itself: a poster stays valid for as long as it hangs. Replacing
the code (a new secret) makes every poster printed before refuse, e.g. after a photo of the
poster went round a chat group.
"""

import base64
import hashlib
import hmac

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import DomainError
from gonghui.stations.models import Station

PREFIX = "GS1"


def _signature(secret: str, station_id: int) -> str:
    digest = hmac.new(secret.encode(), f"station:{station_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode()


def poster_code(station: Station) -> str:
    return f"{PREFIX}.{station.pk}.{_signature(station.checkpoint.code_secret, station.pk)}"


MALFORMED = _("This is not a station code.")


def _parts(code: str) -> tuple[int, str] | None:
    parts = code.strip().split(".")
    if len(parts) != 3:
        return None
    prefix, station_id, signature = parts
    if prefix != PREFIX or not (station_id.isascii() and station_id.isdigit()):
        return None
    if not (signature.isascii() and signature.isalnum()):
        return None
    return int(station_id), signature


def is_poster_code(code: str) -> bool:
    """Whether `code` has the shape of a station's poster code (signed or not)."""
    return _parts(code) is not None


def read_poster_code(code: str) -> tuple[int, str]:
    """(station id, signature) of a well-formed code; DomainError `code_malformed` otherwise."""
    parts = _parts(code)
    if parts is None:
        raise DomainError("code_malformed", MALFORMED)
    return parts


def signature_matches(station: Station, signature: str) -> bool:
    expected = _signature(station.checkpoint.code_secret, station.pk)
    return hmac.compare_digest(signature.upper().encode(), expected.encode())
