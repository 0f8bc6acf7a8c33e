"""The card verifier's photo path (checkins/views.py): anyone may check a card by a photo of
its QR code and reads the same verdict as the page's own check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gonghui.checkins.scan_answers import ScanAnswer
from gonghui.checkins.tests.qr_images import photo_of, qr_png
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.members.tests.factories import person

URL = "checkins:verify_photo"


@pytest.fixture
def member(tree, operator) -> Member:
    return member_actions.import_member(
        actor=operator, org=tree.hlg, joined_on=timezone.localdate(), **person(name="周骑手")
    )


def code_of(member: Member) -> str:
    member.refresh_from_db()
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


def check(data: bytes):
    photo = SimpleUploadedFile("card.jpg", data, content_type="image/jpeg")
    return Client().post(reverse(URL), {"photo": photo})


def test_a_photo_of_a_genuine_card_is_confirmed(member):
    response = check(photo_of(code_of(member), angle=12))
    assert response.status_code == 200
    assert response.context["answer"] == ScanAnswer(
        tone="ok", title="真实有效", message="联网核验通过：会员卡有效。", code="valid"
    )
    page = response.content.decode()
    assert f"<dd>{member.number}</dd>" in page
    assert "<dd>周骑手</dd>" in page
    assert "<dd>回龙观街道总工会</dd>" in page


def test_a_photo_of_a_revoked_card_is_refused_in_red(member, operator):
    code = code_of(member)
    member_actions.revoke_card(actor=operator, member=member, reason="手机丢失")
    response = check(qr_png(code))
    assert response.context["answer"] == ScanAnswer(
        tone="bad",
        title="已作废",
        message="已作废：该会员卡已被作废，请会员打开当前的会员卡。",
        code="revoked",
    )
    assert 'class="scan-answer bad"' in response.content.decode()


def test_a_photo_of_a_forged_code_is_not_genuine(member):
    forged = code_of(member)[:-4] + "AAAA"
    response = check(qr_png(forged))
    assert response.context["answer"] == ScanAnswer(
        tone="bad",
        title="非真实会员卡",
        message="该卡码已被篡改或伪造，或不是工会会员卡码。",
        code="not_genuine",
    )
    assert "<dd>" not in response.content.decode()  # nothing from a forged code is shown


def test_a_photo_without_a_card_says_so(db):
    response = check(b"GIF89a-but-not-really")
    assert response.status_code == 400
    assert response.context["answer"] == ScanAnswer(
        tone="bad",
        title="未读到会员卡",
        message="这个文件不是照片：请拍一张二维码的照片。",
        code="not_an_image",
    )


def test_the_verifier_offers_the_photo_form_without_javascript(db):
    page = Client().get(reverse("members:verify")).content.decode()
    assert f'action="{reverse(URL)}" enctype="multipart/form-data"' in page
    assert 'name="photo" type="file" accept="image/*" capture="environment" required' in page
