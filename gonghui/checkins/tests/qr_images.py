"""Real QR code pictures for the photo tests, drawn with segno (as the cards and offers are)."""

import io

import segno
from PIL import Image


def qr_image(text: str, *, scale: int = 6, border: int = 4) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=border)
    buffer.seek(0)
    with Image.open(buffer) as opened:
        return opened.convert("RGB")


def encoded(picture: Image.Image, kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=kind)
    return buffer.getvalue()


def qr_png(text: str, *, scale: int = 6) -> bytes:
    return encoded(qr_image(text, scale=scale))


def photo_of(text: str, *, angle: float = 0, side: int = 1200, kind: str = "JPEG") -> bytes:
    """A code on a grey table, turned by `angle` degrees, as a phone photo would show it."""
    code = qr_image(text, scale=5).rotate(angle, expand=True, fillcolor=(255, 255, 255))
    table = Image.new("RGB", (side, side), (150, 140, 130))
    table.paste(code, ((side - code.width) // 2, (side - code.height) // 2))
    return encoded(table, kind)
