"""The demo's innovation stories (demo.innovation): 中关村's call for papers reviewed blind,
the 创新工匠 selection with a published, recountable public vote, and the bus plant's 五小
results in the showcase."""

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from gonghui.demo.innovation import BRUSHED, PAPERS, VOTERS, WUXIAO
from gonghui.demo.load import load_demo
from gonghui.reviews import queries, tally_log
from gonghui.reviews.models import Assignment, Ballot, Call, Poll, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def test_the_call_for_papers_was_reviewed_blind_by_three_jurors_each(loaded):
    call = Call.objects.get(kind="paper")
    assert (call.org.name, call.anonymous_review) == ("中关村科学城总工会", True)
    entries = Submission.objects.filter(call=call)
    assert entries.count() == len(PAPERS)
    assert all(e.assignments.filter(completed_at__isnull=False).count() == 3 for e in entries)
    decisions = sorted(entries.values_list("decision", flat=True))
    assert decisions == ["accepted"] * 3 + ["awarded"] * 5 + ["rejected"] * 2


def test_the_craftsman_vote_is_published_and_recounts_to_its_result(loaded):
    poll = Poll.objects.get(call__kind="craftsman")
    assert (poll.status, poll.jury_weight, poll.vote_weight) == ("published", 70, 30)
    recount = tally_log.recount(poll.pk, queries.log_entries(poll))
    assert (recount.counted, recount.set_aside) == (VOTERS, BRUSHED)
    assert recount.head_hash == poll.result["head_hash"]
    assert {c["position"]: c["votes"] for c in poll.result["candidates"]} == {
        p: recount.counts.get(p, 0) for p in range(1, 6)
    }
    assert Ballot.objects.filter(poll=poll).values("member").distinct().count() == VOTERS + BRUSHED
    assert Submission.objects.filter(call=poll.call, decision="awarded").count() == 3


def test_the_bus_plant_results_are_in_the_showcase_with_photos(loaded):
    call = Call.objects.get(kind="wuxiao")
    assert call.org.name == "北京公交集团保修分公司一厂工会"
    assert Submission.objects.filter(call=call).count() == len(WUXIAO)
    page = Client().get(reverse("innovation:showcase")).content.decode()
    for title in ("便携式汽车电器检测电源", "充电座端子定位器", "风炮消音器"):
        assert title in page
    tester = Submission.objects.get(title="便携式汽车电器检测电源")
    detail = Client().get(reverse("innovation:showcase_entry", args=[tester.pk])).content.decode()
    photo = tester.attachments.get()
    assert reverse("innovation:showcase_photo", args=[tester.pk, photo.pk]) in detail
    assert Assignment.objects.filter(submission__call=call, completed_at__isnull=True).count() == 0
