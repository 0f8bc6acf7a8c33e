"""The innovation pages end to end through the test client: a member enters with a photo, a
juror scores, staff shortlist, members vote and check their receipt, the showcase shows the
award."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from gonghui.reviews import actions, tally_log
from gonghui.reviews.models import Assignment, Ballot, Call, Submission


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(buffer, format="JPEG")
    return SimpleUploadedFile("tester.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def staff(tree, make_staff):
    return make_staff(tree.root, "org_admin")


def test_a_member_submits_an_entry_with_a_photo_from_the_phone(tree, call, make_member, client_for):
    member = make_member(tree.hlg)
    client = client_for(member.user)
    home = client.get(reverse("innovation:home"))
    assert call.title in home.content.decode()
    response = client.post(
        reverse("innovation:entry_new", args=[call.pk]),
        {
            "title": "便携式电工测试仪",
            "summary": "一键测通断",
            "category": "invention",
            "upload": jpeg(),
            "submit": "1",
        },
    )
    entry = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("innovation:entry", args=[entry.pk])
    assert (entry.status, entry.author_id, entry.attachments.count()) == ("submitted", member.pk, 1)
    photo = entry.attachments.get()
    page = client.get(reverse("innovation:entry", args=[entry.pk])).content.decode()
    assert reverse("innovation:entry_file", args=[entry.pk, photo.pk]) in page
    assert (
        client.get(reverse("innovation:entry_file", args=[entry.pk, photo.pk]))["Content-Type"]
        == "image/jpeg"
    )


def test_an_entry_over_the_size_limit_is_refused_on_the_form_and_nothing_is_written(
    tree, make_call, make_member, client_for
):
    call = make_call(tree.root, max_attachment_bytes=200)
    member = make_member(tree.hlg)
    response = client_for(member.user).post(
        reverse("innovation:entry_new", args=[call.pk]),
        {
            "title": "消音器",
            "summary": "x",
            "category": "invention",
            "upload": jpeg(),
            "submit": "1",
        },
    )
    assert response.status_code == 200
    error = re.search(r'class="field-error" role="alert">([^<]+)<', response.content.decode())
    assert error is not None
    assert (
        error.group(1).replace("\xa0", " ")
        == "tester.jpg：文件大小为 677 字节，超过上限 200 字节。"
    )
    assert Submission.objects.count() == 0


def test_another_members_entry_is_not_found(tree, call, make_member, client_for, entry_of):
    entry = entry_of(make_member(tree.hlg), call)
    stranger = client_for(make_member(tree.hlg).user)
    assert stranger.get(reverse("innovation:entry", args=[entry.pk])).status_code == 404


def test_a_juror_scores_on_the_phone_and_out_of_range_is_refused(
    tree, operator, call, make_member, client_for, entry_of
):
    entry = entry_of(make_member(tree.hlg), call)
    juror = make_member(tree.desheng)
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror.user)
    actions.start_review(actor=operator, call=call)
    client = client_for(juror.user)
    criteria = list(call.rubrics.get(version=1).criteria.all())
    data = {f"c{c.pk}": 8 for c in criteria} | {"comment": "实用"}
    data[f"c{criteria[0].pk}"] = 12
    refused = client.post(reverse("innovation:jury_score", args=[assignment.pk]), data)
    assert refused.status_code == 200
    assert not Assignment.objects.get(pk=assignment.pk).scores.exists()
    data[f"c{criteria[0].pk}"] = 9
    saved = client.post(reverse("innovation:jury_score", args=[assignment.pk]), data)
    assert saved.status_code == 302
    assert sorted(
        Assignment.objects.get(pk=assignment.pk).scores.values_list("value", flat=True)
    ) == [8, 8, 8, 9]


def test_blind_review_hides_the_author_and_unit_from_the_juror(
    tree, operator, make_call, make_member, client_for, entry_of
):
    call = make_call(tree.root, anonymous_review=True)
    entry = entry_of(make_member(tree.hlg, name="张明远"), call)
    juror = make_member(tree.desheng)
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror.user)
    page = (
        client_for(juror.user)
        .get(reverse("innovation:jury_score", args=[assignment.pk]))
        .content.decode()
    )
    assert entry.code in page
    assert "张明远" not in page
    assert tree.hlg.name not in page


def test_members_vote_once_get_a_receipt_and_find_it_in_the_published_log(
    tree, operator, call, make_member, client_for, entry_of, staff
):
    entry = entry_of(make_member(tree.hlg), call)
    actions.decide(actor=operator, entry=entry, decision="shortlisted", reason="入围")
    voters = [make_member(tree.hlg) for _ in range(3)]
    now = timezone.now()
    poll = actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=tree.root,
        title="网络投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        jury_weight=70,
        vote_weight=30,
    )
    actions.open_poll(actor=operator, poll=poll)
    candidate = poll.candidates.get()
    receipts = []
    for voter in voters:
        client = client_for(voter.user)
        client.post(reverse("innovation:vote", args=[poll.pk]), {"candidate": candidate.pk})
        again = client.post(
            reverse("innovation:vote", args=[poll.pk]), {"candidate": candidate.pk}, follow=True
        )
        page = again.content.decode()
        shown = re.search(r'class="receipt-code">(\w+)<', page)
        assert shown is not None
        receipts.append(shown.group(1))
    assert Ballot.objects.filter(poll=poll).count() == 3
    staff_client = client_for(staff)
    staff_client.post(reverse("innovation:staff_poll_step", args=[poll.pk, "close"]))
    staff_client.post(reverse("innovation:staff_poll_step", args=[poll.pk, "publish"]))
    log = client_for(voters[0].user).get(
        reverse("innovation:poll_log", args=[poll.pk]), {"receipt": receipts[1]}
    )
    assert 'id="receipt-found"' in log.content.decode()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for(voters[0].user)
                .get(reverse("innovation:poll_log_csv", args=[poll.pk]))
                .content.decode()
            )
        )
    )
    entries = [{**r, "seq": int(r["seq"]), "candidate": int(r["candidate"])} for r in rows]
    recount = tally_log.recount(poll.pk, entries)
    poll.refresh_from_db()
    assert (recount.counted, recount.head_hash) == (3, poll.result["head_hash"])
    assert sorted(r["receipt"] for r in rows) == sorted(receipts)


def test_a_member_outside_the_electorate_cannot_vote(
    tree, operator, call, make_member, client_for, entry_of
):
    entry = entry_of(make_member(tree.hlg), call)
    actions.decide(actor=operator, entry=entry, decision="shortlisted", reason="入围")
    now = timezone.now()
    poll = actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=tree.hlg,
        title="街道投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        jury_weight=70,
        vote_weight=30,
    )
    actions.open_poll(actor=operator, poll=poll)
    outsider = make_member(tree.desheng)
    client = client_for(outsider.user)
    page = client.get(reverse("innovation:poll", args=[poll.pk])).content.decode()
    assert 'id="not-elector"' in page
    client.post(reverse("innovation:vote", args=[poll.pk]), {"candidate": poll.candidates.get().pk})
    assert Ballot.objects.count() == 0


def test_the_showcase_shows_awarded_entries_by_unit_and_year(
    tree, operator, call, make_member, entry_of, client
):
    awarded = entry_of(make_member(tree.hlg), call, "风炮消音器")
    actions.decide(
        actor=operator, entry=awarded, decision="awarded", award_level="一等奖", reason="第一"
    )
    entry_of(make_member(tree.desheng), call, "未评成果")
    page = client.get(reverse("innovation:showcase")).content.decode()
    assert "风炮消音器" in page
    assert "一等奖" in page
    assert "未评成果" not in page
    by_other_unit = client.get(
        reverse("innovation:showcase"), {"unit": tree.desheng.pk}
    ).content.decode()
    assert "风炮消音器" in by_other_unit  # desheng has no entry: the picker ignores it
    detail = client.get(reverse("innovation:showcase_entry", args=[awarded.pk])).content.decode()
    assert 'id="award"' in detail


def test_the_scores_export_is_a_real_workbook(
    tree, operator, call, make_member, entry_of, staff, client_for
):
    entry = entry_of(make_member(tree.hlg), call)
    juror = make_member(tree.desheng).user
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror)
    actions.start_review(actor=operator, call=call)
    actions.score_entry(
        actor=juror,
        assignment=assignment,
        values={c.pk: 6 for c in call.rubrics.get().criteria.all()},
    )
    response = client_for(staff).get(reverse("innovation:staff_scores_xlsx", args=[call.pk]))
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "便携式电工测试仪"
    assert rows[1][3:7] == (6, 6, 6, 6)


@pytest.mark.parametrize("count", [1, 3])
def test_staff_call_list_queries_do_not_grow_with_rows(
    count, tree, make_call, staff, client_for, django_assert_num_queries
):
    for n in range(count):
        make_call(tree.root, title=f"征集{n}")
    client = client_for(staff)
    client.get(reverse("innovation:staff_calls"))
    with django_assert_num_queries(4):
        client.get(reverse("innovation:staff_calls"))


@pytest.mark.parametrize("count", [1, 3])
def test_showcase_queries_do_not_grow_with_rows(
    count, tree, operator, call, make_member, entry_of, client, django_assert_num_queries
):
    for n in range(count):
        entry = entry_of(make_member(tree.hlg), call, f"成果{n}")
        actions.decide(actor=operator, entry=entry, decision="accepted", reason="通过")
    with django_assert_num_queries(4):
        client.get(reverse("innovation:showcase"))


@pytest.mark.parametrize("count", [1, 3])
def test_call_page_queries_do_not_grow_with_entries(
    count, tree, call, make_member, entry_of, staff, client_for, django_assert_num_queries
):
    for n in range(count):
        entry_of(make_member(tree.hlg), call, f"成果{n}")
    client = client_for(staff)
    client.get(reverse("innovation:staff_call", args=[call.pk]))
    with django_assert_num_queries(10):
        client.get(reverse("innovation:staff_call", args=[call.pk]))


def test_kinds_of_call_outside_innovation_are_not_shown(tree, make_call, staff, client_for):
    other = make_call(tree.root, kind="ankang", title="安康杯竞赛")
    client = client_for(staff)
    assert client.get(reverse("innovation:staff_call", args=[other.pk])).status_code == 404
    assert "安康杯竞赛" not in client.get(reverse("innovation:staff_calls")).content.decode()
    assert Call.objects.count() == 1


def test_a_calls_own_questions_are_asked_answered_and_shown_to_jurors(
    tree, operator, make_call, make_member, client_for
):
    call = make_call(
        tree.root, form_fields=({"name": "q1", "label": "年经济效益（万元）", "required": True},)
    )
    member = make_member(tree.hlg)
    client = client_for(member.user)
    form = {"title": "风炮消音器", "summary": "降噪", "category": "invention", "submit": "1"}
    missing = client.post(reverse("innovation:entry_new", args=[call.pk]), form)
    assert missing.status_code == 200
    assert Submission.objects.count() == 0
    client.post(reverse("innovation:entry_new", args=[call.pk]), {**form, "answer_q1": "12"})
    entry = Submission.objects.get()
    assert entry.answers == {"q1": "12"}
    juror = make_member(tree.desheng)
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror.user)
    page = client_for(juror.user).get(reverse("innovation:jury_score", args=[assignment.pk]))
    assert "<dt>年经济效益（万元）</dt><dd>12</dd>" in page.content.decode()
