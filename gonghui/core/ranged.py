"""Serving a stored file with HTTP range requests (RFC 9110 §14), so that a phone's player can
seek in a lesson without downloading it first. Django's FileResponse answers every request
with the whole file (Django 6.1 has no range support), and an audio element that gets 200
instead of 206 cannot seek on iOS Safari at all.

One range per request (players ask for one); a multi-range or malformed header is ignored
and the whole file is sent, as the RFC allows; a range that starts past the end is 416.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """The inclusive byte range [first, last] a Range header asks for; None to send the whole
    file (no header, malformed, several ranges); False when it cannot be satisfied."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:
        # A suffix: the last n bytes.
        length = int(last_text)
        if length == 0:
            return False
        return (max(size - length, 0), size - 1)
    first = int(first_text)
    if first >= size:
        return False
    last = int(last_text) if last_text else size - 1
    if last < first:
        return None
    return (first, min(last, size - 1))


def _chunks(handle: BinaryIO, first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(
    request: HttpRequest, path: Path | str, *, content_type: str, private: bool = True
) -> HttpResponseBase:
    """The file at `path` (under the data folder), whole (200) or the range asked for (206)."""
    stat = os.stat(path)
    size = stat.st_size
    etag = f'"{size:x}-{int(stat.st_mtime):x}"'
    wanted = parse_range(request.headers.get("Range", ""), size)
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range != etag:
        # The file changed since the client's copy: the whole new file, not a piece of it.
        wanted = None
    if wanted is False:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    first, last = wanted if isinstance(wanted, tuple) else (0, size - 1)
    length = last - first + 1 if size else 0
    handle = open(path, "rb")  # noqa: SIM115 - closed by the generator when streamed
    response = StreamingHttpResponse(
        _chunks(handle, first, length),
        status=206 if isinstance(wanted, tuple) else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = "private, max-age=3600" if private else "public, max-age=3600"
    if isinstance(wanted, tuple):
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response
