"""Preparing uploaded photos for publication: checked by content, turned upright, resized, and
re-encoded without metadata, so no EXIF location or camera serial ever reaches the public."""

import io
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gonghui.core.errors import DomainError
from gonghui.core.uploads import JPEG, PNG, check_upload

MAX_BYTES = 12 * 1024 * 1024
MAX_SIDE = 1600
# Refuse decompression bombs well before Pillow's own limit.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int


def prepare_photo(upload: UploadedFile[Any]) -> Photo:
    """A JPEG of at most MAX_SIDE pixels a side, upright, with no metadata."""
    check_upload(upload, kinds=(JPEG, PNG), max_bytes=MAX_BYTES)
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            if original.width * original.height > MAX_PIXELS:
                raise DomainError("image_too_large", _("The picture has too many pixels."))
            upright = ImageOps.exif_transpose(original)
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise DomainError(
            "unreadable_image", _("The picture cannot be read; upload a JPEG or PNG photo.")
        ) from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    # A fresh image carries no EXIF, XMP or ICC data unless given: none is given.
    picture.save(buffer, format="JPEG", quality=85, optimize=True)
    return Photo(content=buffer.getvalue(), width=picture.width, height=picture.height)
