"""Checking a lesson's media: the type by its bytes, the size, and the duration and bitrate
read from the file itself (mutagen), never taken from the uploader.

A file whose header claims a duration its bytes cannot hold (a truncated WAV, an MP3 whose
Xing header was edited) is refused: coverage is measured against the duration, so a lying
one would turn a 3-minute lesson into a 30-minute one, or let 10 % of it count as 90 %.
Bitrates are capped so that a lesson streams on a 4G phone without stalling (ADR 0022):
we accept files at or below the cap rather than transcode (no ffmpeg on the servers).
"""

from dataclasses import dataclass
from typing import Any

import mutagen
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError
from gonghui.core.uploads import M4A, MP3, MP4, OGG, WAV, FileKind, check_upload

AUDIO_KINDS = (MP3, M4A, OGG, WAV)
VIDEO_KINDS = (MP4,)
AUDIO_MAX_BYTES = 40 * 1024 * 1024
VIDEO_MAX_BYTES = 200 * 1024 * 1024
# 4G in a moving van gives a courier ~1 Mbit/s at worst: audio well under it, video at it.
AUDIO_MAX_BITRATE = 192_000
VIDEO_MAX_BITRATE = 1_200_000
MAX_DURATION_MS = 30 * 60 * 1000
# What a header may claim beyond the bytes (container overhead, tags, a cover picture).
SIZE_SLACK_BYTES = 256 * 1024
SIZE_SLACK_SHARE = 0.1


@dataclass(frozen=True)
class MediaFacts:
    kind: FileKind
    duration_ms: int
    bitrate: int
    size: int


def _read(upload: UploadedFile[Any]) -> Any:
    upload.seek(0)
    try:
        found = mutagen.File(upload)
    except Exception:
        found = None
    finally:
        upload.seek(0)
    if found is None or getattr(found, "info", None) is None:
        raise DomainError("unreadable_media", _("The file could not be read as audio or video."))
    return found.info


def check_media(upload: UploadedFile[Any], *, video: bool) -> MediaFacts:
    """The facts of an acceptable lesson file, or a DomainError saying what is wrong."""
    kinds = VIDEO_KINDS if video else AUDIO_KINDS
    kind = check_upload(
        upload, kinds=kinds, max_bytes=VIDEO_MAX_BYTES if video else AUDIO_MAX_BYTES
    )
    info = _read(upload)
    length = float(getattr(info, "length", 0) or 0)
    bitrate = int(getattr(info, "bitrate", 0) or 0)
    size = upload.size or 0
    if length <= 0 or bitrate <= 0 or length != length:  # NaN never equals itself
        raise DomainError("unreadable_media", _("The file has no playable length."))
    duration_ms = round(length * 1000)
    if duration_ms > MAX_DURATION_MS:
        raise DomainError("too_long", _("A lesson is at most 30 minutes long."))
    limit = VIDEO_MAX_BITRATE if video else AUDIO_MAX_BITRATE
    if bitrate > limit:
        raise DomainError(
            "bitrate_too_high",
            _("The file is %(have)d kbit/s; a phone on 4G streams at most %(limit)d kbit/s.")
            % {"have": bitrate // 1000, "limit": limit // 1000},
        )
    expected = length * bitrate / 8
    if abs(size - expected) > SIZE_SLACK_BYTES + SIZE_SLACK_SHARE * expected:
        raise DomainError(
            "duration_mismatch",
            _("The file's stated length does not match its contents; export it again."),
        )
    return MediaFacts(kind=kind, duration_ms=duration_ms, bitrate=bitrate, size=size)
