"""Calls, entries, jurors and decisions: what each action writes, and every refusal writing
nothing."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gonghui.core.errors import DomainError
from gonghui.core.models import AuditEntry
from gonghui.reviews import actions, queries
from gonghui.reviews.models import Assignment, Attachment, Criterion, Rubric, Score, Submission


def jpeg(size: int = 40) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "orange").save(buffer, format="JPEG")
    return SimpleUploadedFile("tester.jpg", buffer.getvalue(), content_type="image/jpeg")


def scores_for(call, value: int = 7) -> dict[int, int]:
    return {c.pk: value for c in queries.list_criteria(call)}


def test_a_member_drafts_edits_and_submits_an_entry_with_a_photo(tree, call, make_member):
    member = make_member(tree.zgc)
    helper = make_member(tree.zgc)
    draft = actions.save_entry(
        actor=member.user,
        member=member,
        call=call,
        details=actions.EntryDetails(title="测试仪", summary="初稿", category="invention"),
        submit=False,
    )
    assert draft.status == "draft"
    entry = actions.save_entry(
        actor=member.user,
        member=member,
        call=call,
        details=actions.EntryDetails(
            title="便携式电工测试仪", summary="定稿", category="invention", co_authors=(helper,)
        ),
        submit=True,
        entry=draft,
    )
    photo = actions.add_attachment(actor=member.user, entry=entry, upload=jpeg())
    entry.refresh_from_db()
    assert (entry.status, entry.title, entry.org_id) == (
        "submitted",
        "便携式电工测试仪",
        tree.zgc.pk,
    )
    assert list(entry.co_authors.all()) == [helper]
    assert photo.kind == "photo"
    assert str(photo.file.name).startswith(f"reviews/{entry.pk}/")


def test_an_entry_after_the_deadline_is_refused_and_nothing_is_written(
    tree, make_call, make_member
):
    now = timezone.now()
    late = make_call(
        tree.root,
        submissions_open=now - timedelta(days=9),
        submissions_close=now - timedelta(days=1),
    )
    member = make_member(tree.zgc)
    with pytest.raises(DomainError) as refused:
        actions.save_entry(
            actor=member.user,
            member=member,
            call=late,
            details=actions.EntryDetails(title="迟到", summary="x", category="invention"),
            submit=True,
        )
    assert refused.value.code == "submissions_closed"
    assert Submission.objects.count() == 0


def test_attachments_over_the_size_limit_or_of_another_type_are_refused(
    tree, make_call, make_member, entry_of
):
    call = make_call(tree.root, max_attachment_bytes=1000, attachment_kinds=("photo",))
    member = make_member(tree.zgc)
    entry = entry_of(member, call)
    with pytest.raises(DomainError) as too_big:
        actions.add_attachment(actor=member.user, entry=entry, upload=jpeg(400))
    assert too_big.value.code == "file_too_large"
    pdf = SimpleUploadedFile("x.jpg", b"%PDF-1.4 tiny", content_type="image/jpeg")
    with pytest.raises(DomainError) as wrong:
        actions.add_attachment(actor=member.user, entry=entry, upload=pdf)
    assert wrong.value.code == "unsupported_file_type"
    assert Attachment.objects.count() == 0


def test_a_video_is_recognised_by_its_ftyp_box(tree, call, make_member, entry_of):
    member = make_member(tree.zgc)
    entry = entry_of(member, call)
    mp4 = SimpleUploadedFile("clip.mov", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64)
    assert actions.add_attachment(actor=member.user, entry=entry, upload=mp4).kind == "video"


def test_rubric_changes_make_versions_until_review_starts_then_are_refused(operator, call):
    spec = [actions.CriterionSpec("创新性", weight=1, max_score=5)]
    assert actions.set_rubric(actor=operator, call=call, criteria=spec).version == 2
    actions.start_review(actor=operator, call=call)
    with pytest.raises(DomainError) as frozen:
        actions.set_rubric(actor=operator, call=call, criteria=spec)
    assert frozen.value.code == "rubric_frozen"
    assert Rubric.objects.filter(call=call).count() == 2
    assert Criterion.objects.filter(rubric__call=call).count() == 5


def test_a_juror_never_reviews_their_own_union_or_a_declared_conflict(
    tree, operator, call, make_member, entry_of
):
    author = make_member(tree.sohu)
    entry = entry_of(author, call)
    colleague = make_member(tree.zgc)  # a union above the entry's
    outsider = make_member(tree.hlg)
    with pytest.raises(DomainError) as own:
        actions.assign_reviewer(actor=operator, entry=entry, reviewer=colleague.user)
    assert own.value.code == "conflict_of_interest"
    actions.declare_conflict(
        actor=operator, call=call, reviewer=outsider.user, org=tree.zgc, reason="曾任职"
    )
    with pytest.raises(DomainError) as declared:
        actions.assign_reviewer(actor=operator, entry=entry, reviewer=outsider.user)
    assert declared.value.code == "conflict_of_interest"
    assert Assignment.objects.count() == 0


def test_balanced_assignment_spreads_entries_evenly_around_conflicts(
    tree, operator, call, make_member, entry_of
):
    entries = [entry_of(make_member(tree.hlg), call, f"成果{i}") for i in range(4)]
    jurors = [make_member(org).user for org in (tree.zgc, tree.desheng, tree.sohu)]
    made = actions.assign_balanced(actor=operator, call=call, jurors=jurors, per_entry=2)
    assert made == 8
    loads = sorted(Assignment.objects.filter(reviewer=j).count() for j in jurors)
    assert loads == [2, 3, 3]
    assert all(Assignment.objects.filter(submission=e).count() == 2 for e in entries)


def test_scores_outside_the_range_or_before_review_are_refused(
    tree, operator, call, make_member, entry_of
):
    entry = entry_of(make_member(tree.hlg), call)
    juror = make_member(tree.zgc).user
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror)
    with pytest.raises(DomainError) as early:
        actions.score_entry(actor=juror, assignment=assignment, values=scores_for(call))
    assert early.value.code == "review_not_started"
    actions.start_review(actor=operator, call=call)
    values = scores_for(call)
    first = next(iter(values))
    values[first] = 11
    with pytest.raises(DomainError) as out:
        actions.score_entry(actor=juror, assignment=assignment, values=values)
    assert (out.value.code, list(out.value.fields or {})) == ("score_out_of_range", [f"c{first}"])
    assert Score.objects.count() == 0


def test_a_juror_scoring_an_entry_of_their_own_union_is_refused(
    tree, operator, call, make_member, entry_of
):
    """Even if an assignment exists (say the juror moved union after being assigned)."""
    author = make_member(tree.hlg)
    entry = entry_of(author, call)
    juror = make_member(tree.desheng)
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror.user)
    actions.start_review(actor=operator, call=call)
    type(juror).objects.filter(pk=juror.pk).update(org=tree.hlg)
    with pytest.raises(DomainError) as refused:
        actions.score_entry(actor=juror.user, assignment=assignment, values=scores_for(call))
    assert refused.value.code == "conflict_of_interest"
    assert Score.objects.count() == 0


def test_ranking_and_decision_are_recorded_with_reasons(
    tree, operator, call, make_member, entry_of
):
    a = entry_of(make_member(tree.hlg), call, "甲")
    b = entry_of(make_member(tree.hlg), call, "乙")
    juror = make_member(tree.zgc).user
    actions.start_review(actor=operator, call=call)
    for entry, value in ((a, 9), (b, 4)):
        assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror)
        actions.score_entry(actor=juror, assignment=assignment, values=scores_for(call, value))
    ranking = queries.jury_ranking(call)
    assert [(r.rank, r.entry.title, r.jury_score) for r in ranking] == [
        (1, "甲", 1.0),
        (2, "乙", -1.0),
    ]
    actions.decide(
        actor=operator, entry=a, decision="awarded", award_level="一等奖", reason="评分第一"
    )
    a.refresh_from_db()
    assert (a.decision, a.award_level, a.decision_reason) == ("awarded", "一等奖", "评分第一")
    entry = AuditEntry.objects.get(action="reviews.entry.decided")
    assert entry.changes["reason"] == "评分第一"
    with pytest.raises(DomainError) as no_reason:
        actions.decide(actor=operator, entry=b, decision="rejected", reason=" ")
    assert no_reason.value.code == "reason_required"
