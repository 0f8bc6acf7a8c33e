import io
import wave
from datetime import timedelta
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.core.errors import DomainError
from gonghui.learning import actions, metrics
from gonghui.learning.actions import PlayReport
from gonghui.learning.models import LessonProgress, Participant, ProgressEvent
from gonghui.learning.tests.conftest import audio
from gonghui.orgs.models import Tally

pytestmark = pytest.mark.usefixtures("tallies_exact")

_ids = count(1)


def report(lesson, start_s, end_s, *, client_id=None, at=None):
    return PlayReport(
        client_id=client_id or f"ev-{next(_ids)}",
        lesson_id=lesson.pk,
        start_ms=int(start_s * 1000),
        end_ms=int(end_s * 1000),
        played_at=at or timezone.now(),
    )


def progress_of(member, lesson):
    return LessonProgress.objects.get(member=member, lesson=lesson)


def test_a_lesson_reads_its_duration_from_the_file(lesson):
    assert lesson.duration_ms == 100_000
    assert lesson.bitrate == 128_000
    assert lesson.content_type == "audio/wav"
    assert lesson.media.name.endswith(f"lesson-{lesson.pk}.wav")


def test_seeking_to_the_end_gives_no_credit(member, lesson):
    # The player cut at the seek: 0-5 s heard, then the jump to 95 s, then 95-100 s heard.
    answers = actions.record_progress(
        member=member, reports=[report(lesson, 0, 5), report(lesson, 95, 100)]
    )
    assert [a.credit_ms for a in answers] == [5000, 5000]
    progress = progress_of(member, lesson)
    assert progress.intervals == [[0, 5000], [95000, 100000]]
    assert progress.covered_ms == 10_000
    assert progress.completed_at is None


def test_a_replay_changes_nothing(member, lesson):
    first = [report(lesson, 0, 15, client_id="a"), report(lesson, 15, 30, client_id="b")]
    actions.record_progress(member=member, reports=first)
    before = progress_of(member, lesson)
    answers = actions.record_progress(member=member, reports=first)
    assert [(a.status, a.credit_ms) for a in answers] == [("replayed", 0), ("replayed", 0)]
    after = progress_of(member, lesson)
    assert (after.intervals, after.covered_ms, after.position_ms) == (
        before.intervals,
        before.covered_ms,
        before.position_ms,
    )
    assert ProgressEvent.objects.filter(member=member).count() == 2


def test_listening_again_adds_no_credit_under_new_ids(member, lesson):
    actions.record_progress(member=member, reports=[report(lesson, 0, 30)])
    answers = actions.record_progress(member=member, reports=[report(lesson, 10, 20)])
    assert [(a.status, a.credit_ms) for a in answers] == [("credited", 0)]
    assert progress_of(member, lesson).covered_ms == 30_000


def test_two_phones_merge(member, lesson):
    now = timezone.now()
    phone = [report(lesson, 0, 40, at=now - timedelta(minutes=5))]
    other = [report(lesson, 30, 70, at=now)]
    actions.record_progress(member=member, reports=other)
    actions.record_progress(member=member, reports=phone)
    progress = progress_of(member, lesson)
    assert progress.intervals == [[0, 70000]]
    assert progress.covered_ms == 70_000
    # The later listening wins the resume point, whichever arrived last.
    assert progress.position_ms == 70_000


def test_overlapping_pieces_in_one_upload_count_once(member, lesson):
    answers = actions.record_progress(
        member=member,
        reports=[report(lesson, 10, 20), report(lesson, 0, 15), report(lesson, 12, 18)],
    )
    assert [a.credit_ms for a in answers] == [10_000, 10_000, 0]
    assert progress_of(member, lesson).covered_ms == 20_000


def test_completion_is_stamped_once_and_never_reverts(member, lesson):
    actions.record_progress(member=member, reports=[report(lesson, 0, 89.9)])
    assert progress_of(member, lesson).completed_at is None
    actions.record_progress(member=member, reports=[report(lesson, 89.9, 90)])
    done = progress_of(member, lesson).completed_at
    assert done is not None
    actions.record_progress(member=member, reports=[report(lesson, 90, 100)])
    assert progress_of(member, lesson).completed_at == done
    assert Tally.objects.get(metric=metrics.COMPLETIONS).value == 1
    assert Tally.objects.get(metric=metrics.LISTENED_MS).value == 100_000


def test_the_resume_point_is_the_latest_listening(member, lesson):
    now = timezone.now()
    actions.record_progress(member=member, reports=[report(lesson, 40, 52.4, at=now)])
    # An older interval from an offline queue arrives later: it counts, but does not move it.
    actions.record_progress(
        member=member, reports=[report(lesson, 0, 10, at=now - timedelta(minutes=20))]
    )
    progress = progress_of(member, lesson)
    assert progress.position_ms == 52_400
    assert progress.covered_ms == 22_400


@pytest.mark.parametrize(
    ("start", "end", "at_offset", "code"),
    [
        (-1, 5, 0, "invalid_interval"),
        (10, 10, 0, "invalid_interval"),
        (20, 10, 0, "invalid_interval"),
        (95, 101.5, 0, "outside_lesson"),
        (0, 5, 600, "in_the_future"),
    ],
)
def test_bad_intervals_are_refused_and_credit_nothing(member, lesson, start, end, at_offset, code):
    at = timezone.now() + timedelta(seconds=at_offset)
    answers = actions.record_progress(member=member, reports=[report(lesson, start, end, at=at)])
    assert [(a.status, a.code, a.credit_ms) for a in answers] == [("refused", code, 0)]
    assert not ProgressEvent.objects.exists()
    assert not LessonProgress.objects.exists()


def test_a_piece_longer_than_the_player_cuts_is_refused(member, course, operator):
    long_lesson = actions.add_lesson(
        actor=operator, course=course, title="长课", kind="audio", media=audio(400)
    )
    answers = actions.record_progress(member=member, reports=[report(long_lesson, 0, 301)])
    assert [(a.status, a.code) for a in answers] == [("refused", "interval_too_long")]


def test_the_last_frame_past_the_end_is_clipped(member, lesson):
    actions.record_progress(member=member, reports=[report(lesson, 99, 100.6)])
    assert progress_of(member, lesson).intervals == [[99000, 100000]]


def test_progress_for_a_lesson_the_member_may_not_see_is_refused(tree, make_member, lesson):
    outsider = make_member(tree.desheng, name="赵六")
    answers = actions.record_progress(member=outsider, reports=[report(lesson, 0, 10)])
    assert [(a.status, a.code) for a in answers] == [("refused", "not_found")]
    assert not LessonProgress.objects.exists()


def test_a_repeated_id_within_one_upload_counts_once(member, lesson):
    answers = actions.record_progress(
        member=member,
        reports=[report(lesson, 0, 10, client_id="x"), report(lesson, 50, 60, client_id="x")],
    )
    assert [a.status for a in answers] == ["credited", "replayed"]
    assert progress_of(member, lesson).covered_ms == 10_000


def test_too_many_reports_at_once_are_refused(member, lesson):
    with pytest.raises(DomainError) as refused:
        actions.record_progress(member=member, reports=[report(lesson, 0, 1)] * 501)
    assert refused.value.code == "too_many_reports"


def test_wrong_media_is_refused(course, operator):
    cases = [
        (b"%PDF-1.4 not audio", "unsupported_file_type"),
        (b"RIFF\x00\x00\x00\x00WAVEjunkjunk", "unreadable_media"),
    ]
    for content, code in cases:
        upload = SimpleUploadedFile("x.wav", content, content_type="audio/wav")
        with pytest.raises(DomainError) as refused:
            actions.add_lesson(
                actor=operator, course=course, title="坏", kind="audio", media=upload
            )
        assert refused.value.code == code


def test_a_lying_duration_is_refused(course, operator):
    # A WAV whose header claims ten times the samples its bytes hold (a truncated file).
    content = bytearray(audio(10).read())
    data_size = len(content) - 44
    content[40:44] = (data_size * 10).to_bytes(4, "little")
    upload = SimpleUploadedFile("x.wav", bytes(content), content_type="audio/wav")
    with pytest.raises(DomainError) as refused:
        actions.add_lesson(actor=operator, course=course, title="长", kind="audio", media=upload)
    assert refused.value.code == "duration_mismatch"


def test_a_bitrate_too_high_for_4g_is_refused(course, operator):
    # CD quality: 1,411 kbit/s.
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(b"\x00\x00" * 2 * 44100)
    upload = SimpleUploadedFile("cd.wav", buffer.getvalue(), content_type="audio/wav")
    with pytest.raises(DomainError) as refused:
        actions.add_lesson(actor=operator, course=course, title="CD", kind="audio", media=upload)
    assert refused.value.code == "bitrate_too_high"


def test_an_oversized_file_is_refused(course, operator, monkeypatch):
    monkeypatch.setattr("gonghui.learning.media.AUDIO_MAX_BYTES", 10_000)
    with pytest.raises(DomainError) as refused:
        actions.add_lesson(actor=operator, course=course, title="大", kind="audio", media=audio(2))
    assert refused.value.code == "file_too_large"


def test_completing_campaign_lessons_makes_a_participant_once(
    tree, operator, member, lesson, course
):
    second = actions.add_lesson(
        actor=operator, course=course, title="第二课", kind="audio", media=audio(20)
    )
    today = timezone.localdate()
    campaign = actions.create_campaign(
        actor=operator,
        org=tree.root,
        title="学习《重要论述》",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        lessons=[lesson, second],
        min_lessons=2,
    )
    actions.record_progress(member=member, reports=[report(lesson, 0, 95)])
    part = Participant.objects.get(campaign=campaign, member=member)
    assert (part.lessons_completed, part.completed_at, part.org_id) == (1, None, tree.station.pk)
    actions.record_progress(member=member, reports=[report(second, 0, 20)])
    part.refresh_from_db()
    assert part.lessons_completed == 2
    assert part.completed_at is not None
    actions.record_progress(member=member, reports=[report(second, 0, 20)])
    part.refresh_from_db()
    assert part.lessons_completed == 2


def test_an_article_is_read_once(member, course, operator):
    article = actions.add_lesson(
        actor=operator, course=course, title="读一读", kind="article", text="正文"
    )
    first = actions.read_article(member=member, lesson=article).completed_at
    again = actions.read_article(member=member, lesson=article).completed_at
    assert first is not None
    assert first == again
    assert Tally.objects.get(metric=metrics.COMPLETIONS).value == 1


def test_publishing_needs_learning_manage_at_the_org(tree, make_staff):
    outsider = make_staff(tree.desheng, "operator")
    with pytest.raises(DomainError) as refused:
        actions.create_course(actor=outsider, org=tree.hlg, title="课", audience="members")
    assert refused.value.code == "not_found"
