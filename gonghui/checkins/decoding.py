"""Reading a QR code from a photo taken at a desk: the fallback of every scanning desk for the
phones whose browser cannot decode a code live (WeChat's in-app browser, iOS Safari), where a
plain file input with the camera still works. The photo is decoded here with zxing-cpp; the
text then goes through the desk's own path, as if it had been typed.

A photo is untrusted input from the network: its size is bounded before it is read, its
pixel count before it is decoded (a small file can claim a huge image), and every way a
picture can fail to open answers the same "not a picture" refusal."""

import io
from typing import Any

import zxingcpp
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gonghui.core import ratelimits
from gonghui.core.errors import DomainError

# A phone photo is 2-6 MB; a generous bound still refuses uploads meant to tie up a worker.
MAX_BYTES = 15 * 1024 * 1024
# 48 megapixels covers the largest phone cameras; anything above is refused unread.
MAX_PIXELS = 48_000_000
# Decoding a 12-megapixel photo at full size takes seconds; a QR code of a card or an offer
# still has several pixels per module at this size when it fills a fair part of the frame.
DECODE_SIDE = 2400
RATE_LIMIT = "scan.photo"
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def decode_image(data: bytes) -> str:
    """The text of the one QR code in the picture `data`, or a DomainError saying what is
    wrong: `not_an_image`, `image_too_large`, `no_code` or `several_codes`."""
    if len(data) > MAX_BYTES:
        raise DomainError(
            "image_too_large",
            _("The photo is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(MAX_BYTES)},
        )
    if not data:
        raise DomainError("not_an_image", _("No photo was sent: take a photo of the QR code."))
    picture = _open(data)
    found = zxingcpp.read_barcodes(picture, formats=QR_ONLY)
    texts = list(dict.fromkeys(result.text for result in found if result.valid and result.text))
    if not texts:
        raise DomainError(
            "no_code",
            _(
                "No QR code was found in the photo. Hold the phone closer, keep the code "
                "sharp and flat, and take the photo again."
            ),
        )
    if len(texts) > 1:
        raise DomainError(
            "several_codes",
            _("The photo shows %(count)d QR codes: take a photo of one code only.")
            % {"count": len(texts)},
        )
    return texts[0]


def _open(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as original:
            # The header alone gives the size: refuse a bomb before decoding a pixel.
            if original.width * original.height > MAX_PIXELS:
                raise DomainError(
                    "image_too_large",
                    _("The photo has too many pixels (at most %(count)d million).")
                    % {"count": MAX_PIXELS // 1_000_000},
                )
            upright = ImageOps.exif_transpose(original)
            picture = upright.convert("L")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(
            "not_an_image", _("This file is not a photo: take a photo of the QR code.")
        ) from None
    picture.thumbnail((DECODE_SIDE, DECODE_SIDE))
    return picture


def decode_photo(*, upload: UploadedFile[Any] | None, limit_key: str) -> str:
    """The code in an uploaded desk photo. Counted under the `scan.photo` rate limit for
    `limit_key` (the desk's user, or the client's address on the public verifier), because
    each decode costs real CPU time."""
    ratelimits.take(RATE_LIMIT, limit_key, reason=_("Too many photos in a short time."))
    if upload is None:
        raise DomainError("not_an_image", _("No photo was sent: take a photo of the QR code."))
    if (upload.size or 0) > MAX_BYTES:
        # Refused by its declared size, before it is read into memory.
        raise DomainError(
            "image_too_large",
            _("The photo is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(MAX_BYTES)},
        )
    upload.seek(0)
    return decode_image(upload.read(MAX_BYTES + 1))
