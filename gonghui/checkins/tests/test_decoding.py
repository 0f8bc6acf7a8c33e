import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageOps

from gonghui.checkins import decoding
from gonghui.checkins.tests.qr_images import encoded, photo_of, qr_image, qr_png
from gonghui.core.errors import DomainError
from gonghui.core.ratelimits import RateLimitedError

# As long as a member card's code (GH1.<payload>.<signature>), the longest code a desk reads.
CARD_LIKE = "GH1." + "eyJuIjoiMDAwMDAxLTAwMDAwMSIsIm0iOiLmnY7lm5siLCJ1Ijoi" * 3 + ".sig_" + "x" * 80


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def refusal(data: bytes) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        decoding.decode_image(data)
    return caught.value.code, str(caught.value.message)


@pytest.mark.parametrize("scale", [2, 4, 10])
def test_a_code_is_read_at_any_size(scale):
    assert decoding.decode_image(qr_png(CARD_LIKE, scale=scale)) == CARD_LIKE


@pytest.mark.parametrize("angle", [90, 180, 270, 15, 38])
def test_a_turned_code_in_a_photo_is_read(angle):
    assert decoding.decode_image(photo_of(CARD_LIKE, angle=angle)) == CARD_LIKE


def test_a_large_photo_is_scaled_down_and_still_read():
    assert decoding.decode_image(photo_of("GB1.offer.code", side=4000)) == "GB1.offer.code"


def test_an_upright_tag_turns_the_photo_before_reading():
    # A phone stores a portrait photo sideways with an orientation tag; it is honoured.
    picture = Image.open(io.BytesIO(photo_of("GB1.turned", angle=0)))
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    buffer = io.BytesIO()
    picture.rotate(90, expand=True).save(buffer, format="JPEG", exif=exif)
    assert ImageOps.exif_transpose(Image.open(io.BytesIO(buffer.getvalue()))).size == (1200, 1200)
    assert decoding.decode_image(buffer.getvalue()) == "GB1.turned"


def test_a_photo_without_a_code_is_refused():
    blank = encoded(Image.new("RGB", (800, 600), (200, 190, 180)), "JPEG")
    assert refusal(blank) == (
        "no_code",
        "照片里没有找到二维码。请把手机靠近一些，让二维码清晰、平整，再拍一次。",
    )


def test_a_photo_with_two_codes_is_refused():
    table = Image.new("RGB", (1000, 500), (255, 255, 255))
    table.paste(qr_image("GB1.first", scale=6), (20, 60))
    table.paste(qr_image("GB1.second", scale=6), (520, 60))
    assert refusal(encoded(table)) == ("several_codes", "照片里有 2 个二维码：请只拍一个二维码。")


def test_the_same_code_twice_in_a_photo_is_one_code():
    table = Image.new("RGB", (1000, 500), (255, 255, 255))
    table.paste(qr_image("GB1.same", scale=6), (20, 60))
    table.paste(qr_image("GB1.same", scale=6), (520, 60))
    assert decoding.decode_image(encoded(table)) == "GB1.same"


@pytest.mark.parametrize(
    "data",
    [
        b"GH1.not-a-picture",
        b"%PDF-1.7\n1 0 obj",
        qr_png("GB1.cut")[:200],  # a PNG cut short
    ],
)
def test_what_is_not_a_picture_is_refused(data):
    assert refusal(data) == ("not_an_image", "这个文件不是照片：请拍一张二维码的照片。")


def test_an_empty_upload_is_refused():
    assert refusal(b"") == ("not_an_image", "没有收到照片：请拍一张二维码的照片。")


def test_a_file_over_the_size_limit_is_refused_unread():
    assert refusal(b"\xff\xd8\xff" + b"\0" * decoding.MAX_BYTES) == (
        "image_too_large",
        "照片大小为 15.0\xa0MB，超过上限 15.0\xa0MB。",
    )


def test_a_small_file_claiming_too_many_pixels_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (8000, 7000), 1).save(buffer, format="PNG")  # 56 megapixels, a few KB
    assert len(buffer.getvalue()) < 100_000
    assert refusal(buffer.getvalue()) == (
        "image_too_large",
        "照片像素过多（最多 48 百万像素）。",
    )


@pytest.mark.django_db
def test_photos_are_rate_limited_per_key(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "scan.photo": (2, 60)}

    def upload():
        return SimpleUploadedFile("code.png", qr_png("GB1.limit"), content_type="image/png")

    assert decoding.decode_photo(upload=upload(), limit_key="user:1") == "GB1.limit"
    assert decoding.decode_photo(upload=upload(), limit_key="user:1") == "GB1.limit"
    with pytest.raises(RateLimitedError) as caught:
        decoding.decode_photo(upload=upload(), limit_key="user:1")
    assert (caught.value.code, caught.value.status) == ("rate_limited", 429)
    assert str(caught.value.message) == "短时间内上传的照片过多。请 1 分钟后再试。"
    assert decoding.decode_photo(upload=upload(), limit_key="user:2") == "GB1.limit"


@pytest.mark.django_db
def test_a_missing_photo_is_refused():
    with pytest.raises(DomainError) as caught:
        decoding.decode_photo(upload=None, limit_key="user:1")
    assert (caught.value.code, str(caught.value.message)) == (
        "not_an_image",
        "没有收到照片：请拍一张二维码的照片。",
    )
