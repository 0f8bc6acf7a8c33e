import json

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.learning import actions
from gonghui.learning.models import LessonProgress
from gonghui.learning.synth import wav_bytes

pytestmark = pytest.mark.usefixtures("tallies_exact")


def _post(client, reports):
    return client.post(
        reverse("learning:progress"),
        data=json.dumps({"reports": reports}),
        content_type="application/json",
        headers={"accept": "application/json"},
    )


def _item(lesson, start, end, client_id, at=None):
    return {
        "id": client_id,
        "lesson": lesson.pk,
        "start": start,
        "end": end,
        "at": (at or timezone.now()).isoformat(),
    }


def test_the_media_is_served_whole_with_ranges_offered(client_for, member, lesson):
    response = client_for(member.user).get(reverse("learning:media", args=[lesson.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/wav"
    assert body == wav_bytes(100)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, None), ("bytes=-500", -500, None)],
)
def test_a_range_request_gets_206_with_exactly_those_bytes(
    client_for, member, lesson, header, first, last
):
    whole = wav_bytes(100)
    response = client_for(member.user).get(
        reverse("learning:media", args=[lesson.pk]), headers={"range": header}
    )
    body = b"".join(response.streaming_content)
    expected = whole[first : None if last is None else last + 1]
    start = first if first >= 0 else len(whole) + first
    assert response.status_code == 206
    assert body == expected
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{len(whole)}"


def test_a_range_past_the_end_is_416(client_for, member, lesson):
    size = len(wav_bytes(100))
    response = client_for(member.user).get(
        reverse("learning:media", args=[lesson.pk]), headers={"range": f"bytes={size}-"}
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_a_malformed_range_gets_the_whole_file(client_for, member, lesson):
    response = client_for(member.user).get(
        reverse("learning:media", args=[lesson.pk]), headers={"range": "bytes=5-1,7-9"}
    )
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(wav_bytes(100)))


def test_members_outside_the_audience_and_strangers_get_404(
    client, client_for, tree, make_member, lesson
):
    outsider = make_member(tree.desheng, name="赵六")
    for who in (client, client_for(outsider.user)):
        for name in ("learning:media", "learning:lesson"):
            assert who.get(reverse(name, args=[lesson.pk])).status_code == 404
    assert (
        client_for(outsider.user)
        .get(reverse("learning:course", args=[lesson.course_id]))
        .status_code
        == 404
    )


def test_the_progress_upload_answers_each_report_and_the_lesson(client_for, member, lesson):
    client = client_for(member.user)
    response = _post(client, [_item(lesson, 0, 15000, "a"), _item(lesson, 15000, 30000, "b")])
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"id": "a", "status": "credited", "code": "", "credit_ms": 15000},
            {"id": "b", "status": "credited", "code": "", "credit_ms": 15000},
        ],
        "lessons": {
            str(lesson.pk): {"covered_ms": 30000, "position_ms": 30000, "completed": False}
        },
    }
    again = _post(client, [_item(lesson, 0, 15000, "a")])
    assert again.json()["results"] == [
        {"id": "a", "status": "replayed", "code": "", "credit_ms": 0}
    ]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"reports": "x"}),
        json.dumps(
            {
                "reports": [
                    {
                        "id": "a",
                        "lesson": 1,
                        "start": 0.5,
                        "end": 2,
                        "at": "2026-01-01T00:00:00+00:00",
                    }
                ]
            }
        ),
        json.dumps(
            {"reports": [{"id": "a", "lesson": 1, "start": 0, "end": 2, "at": "yesterday"}]}
        ),
        json.dumps(
            {
                "reports": [
                    {"id": "a", "lesson": 1, "start": 0, "end": 2, "at": "2026-01-01T00:00:00"}
                ]
            }
        ),
        json.dumps(
            {
                "reports": [
                    {"id": 5, "lesson": 1, "start": 0, "end": 2, "at": "2026-01-01T00:00:00+00:00"}
                ]
            }
        ),
        json.dumps({"reports": [7]}),
    ],
)
def test_a_malformed_upload_is_a_400_in_json(client_for, member, lesson, body):
    response = client_for(member.user).post(
        reverse("learning:progress"),
        data=body,
        content_type="application/json",
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not LessonProgress.objects.exists()


def test_a_worker_without_membership_cannot_upload(client_for, lesson, django_user_model):
    worker = django_user_model.objects.create_user(None, None, mobile="13800000001")
    response = _post(client_for(worker), [_item(lesson, 0, 1000, "a")])
    assert response.status_code == 400
    assert response.json()["code"] == "not_a_member"


def test_the_resume_point_survives_a_new_device(client_for, member, lesson):
    _post(client_for(member.user), [_item(lesson, 0, 37_600, "a")])
    page = client_for(member.user).get(reverse("learning:lesson", args=[lesson.pk]))
    assert page.context["resume_seconds"] == 37
    assert 'data-resume="37"' in page.content.decode()


def test_the_course_list_is_a_fixed_number_of_queries(
    client_for, member, course, operator, tree, django_assert_num_queries
):
    client = client_for(member.user)
    with django_assert_num_queries(6):
        client.get(reverse("learning:courses"))
    for n in range(3):
        actions.create_course(
            actor=operator, org=tree.hlg, title=f"课程{n}", audience="members", publish=True
        )
    with django_assert_num_queries(6):
        response = client.get(reverse("learning:courses"))
    assert [c.title for c in response.context["courses"]][-1] == "红色领队团微党课"
    assert len(response.context["courses"]) == 4


def test_my_learning_record(client_for, member, lesson):
    actions.record_progress(
        member=member,
        reports=[actions.PlayReport("a", lesson.pk, 0, 100_000, timezone.now())],
    )
    response = client_for(member.user).get(reverse("learning:mine"))
    record = response.context["record"]
    assert (record.lessons_completed, record.listened_ms) == (1, 100_000)
    assert [c.title for c in record.courses_completed] == ["红色领队团微党课"]
