import base64

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.core.errors import DomainError
from gonghui.core.tests.pdf import pdf_fonts, pdf_lines
from gonghui.learning import actions, certificates
from gonghui.learning.models import Certificate

pytestmark = pytest.mark.usefixtures("tallies_exact")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _complete(member, lesson):
    actions.record_progress(
        member=member,
        reports=[
            actions.PlayReport(f"c{lesson.pk}", lesson.pk, 0, lesson.duration_ms, timezone.now())
        ],
    )


def test_a_certificate_needs_every_lesson_and_is_issued_once(member, lesson, course):
    with pytest.raises(DomainError) as refused:
        actions.issue_certificate(member=member, course=course)
    assert refused.value.code == "not_completed"
    _complete(member, lesson)
    first = actions.issue_certificate(member=member, course=course)
    again = actions.issue_certificate(member=member, course=course)
    assert first.pk == again.pk
    assert (first.title, first.issuer, first.member.name) == (
        "红色领队团微党课",
        "回龙观街道总工会",
        "王小明",
    )
    assert Certificate.objects.count() == 1


def test_the_pdf_carries_the_name_the_course_and_the_check(client_for, member, lesson, course):
    _complete(member, lesson)
    response = client_for(member.user).get(reverse("learning:course_certificate", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    lines = pdf_lines(response.content)
    assert "结业证书" in lines
    assert "王小明" in lines
    assert any("红色领队团微党课" in line for line in lines)
    assert all(embedded for _name, embedded in pdf_fonts(response.content))


def test_the_verify_page_tells_genuine_from_forged(client, member, lesson, course):
    _complete(member, lesson)
    certificate = actions.issue_certificate(member=member, course=course)
    code = certificates.certificate_code(certificate)
    genuine = client.get(reverse("learning:verify", args=[code]))
    assert genuine.status_code == 200
    assert genuine.context["claims"].title == "红色领队团微党课"
    assert genuine.context["claims"].name == "王*明"
    assert genuine.context["on_record"] is True
    prefix, payload, signature = code.split(".")
    forged_payload = _b64(_unb64(payload).replace("王".encode(), "李".encode()))
    forged = client.get(reverse("learning:verify", args=[f"{prefix}.{forged_payload}.{signature}"]))
    assert forged.status_code == 400
    assert forged.context["claims"] is None
    certificate.delete()
    withdrawn = client.get(reverse("learning:verify", args=[code]))
    assert withdrawn.context["on_record"] is False


def test_a_campaign_certificate_after_meeting_its_rules(client_for, tree, operator, member, lesson):
    today = timezone.localdate()
    campaign = actions.create_campaign(
        actor=operator,
        org=tree.root,
        title="学习《重要论述》",
        starts_on=today,
        ends_on=today,
        lessons=[lesson],
        min_lessons=1,
    )
    client = client_for(member.user)
    url = reverse("learning:campaign_certificate", args=[campaign.pk])
    assert client.get(url).status_code == 404
    _complete(member, lesson)
    assert client.get(url).status_code == 200
    assert Certificate.objects.get().campaign_id == campaign.pk
