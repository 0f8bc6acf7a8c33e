"""The innovation API: a member's ballot with an Idempotency-Key, the public tally log, a
juror's scores, staff lists."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.core.errors import DomainError
from gonghui.reviews import actions, tally_log
from gonghui.reviews.models import Ballot


@pytest.fixture
def open_poll(tree, operator, call, make_member, entry_of):
    entry = entry_of(make_member(tree.hlg), call)
    actions.decide(actor=operator, entry=entry, decision="shortlisted", reason="入围")
    now = timezone.now()
    poll = actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=tree.root,
        title="网络投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        jury_weight=60,
        vote_weight=40,
    )
    return poll


def test_a_ballot_retried_with_its_key_answers_the_same_and_a_second_one_is_refused(
    tree, operator, open_poll, make_member, api_client_for
):
    voter = make_member(tree.hlg)
    poll = actions.open_poll(actor=operator, poll=open_poll)
    client = api_client_for(voter.user)
    url = f"/api/v1/innovation/polls/{poll.pk}/ballots"
    body = {"candidate_id": poll.candidates.get().pk}
    first = client.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    again = client.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    other = client.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "k2"}
    )
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert other.json()["code"] == "already_voted"
    assert first.json()["receipt"] in other.json()["message"]
    assert Ballot.objects.count() == 1


def test_the_public_tally_log_recounts_to_the_result(
    tree, operator, open_poll, make_member, client
):
    voters = [make_member(tree.hlg) for _ in range(3)]
    poll = actions.open_poll(actor=operator, poll=open_poll)
    for voter in voters:
        actions.cast_ballot(
            actor=voter.user,
            member=voter,
            poll=poll,
            candidate=poll.candidates.get(),
            signals=actions.Signals(ip="10.0.0.9"),
        )
    assert client.get(f"/api/v1/innovation/polls/{poll.pk}/log").json()["entries"] == []
    actions.close_poll(actor=operator, poll=poll)
    actions.publish_result(actor=operator, poll=poll)
    answer = client.get(f"/api/v1/innovation/polls/{poll.pk}/log").json()
    recount = tally_log.recount(poll.pk, answer["entries"])
    assert (recount.counted, recount.head_hash) == (3, answer["head_hash"])
    assert answer["result"]["candidates"][0]["votes"] == 3


def test_votes_from_one_network_are_limited(tree, operator, open_poll, make_member, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote.ip": (2, 3600)}
    voters = [make_member(tree.hlg) for _ in range(3)]
    poll = actions.open_poll(actor=operator, poll=open_poll)
    codes = []
    for voter in voters:
        try:
            actions.cast_ballot(
                actor=voter.user,
                member=voter,
                poll=poll,
                candidate=poll.candidates.get(),
                signals=actions.Signals(ip="10.9.9.9"),
            )
            codes.append("voted")
        except DomainError as refused:
            codes.append(refused.code)
    assert codes == ["voted", "voted", "rate_limited"]
    assert Ballot.objects.count() == 2


def test_a_juror_scores_through_the_api_and_out_of_range_writes_nothing(
    tree, operator, call, make_member, entry_of, api_client_for
):
    entry = entry_of(make_member(tree.hlg), call)
    juror = make_member(tree.desheng)
    assignment = actions.assign_reviewer(actor=operator, entry=entry, reviewer=juror.user)
    actions.start_review(actor=operator, call=call)
    criteria = list(call.rubrics.get().criteria.all())
    client = api_client_for(juror.user)
    url = f"/api/v1/innovation/assignments/{assignment.pk}/scores"
    bad = client.post(
        url, {"scores": {str(c.pk): 11 for c in criteria}}, content_type="application/json"
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "score_out_of_range")
    good = client.post(
        url, {"scores": {str(c.pk): 7 for c in criteria}}, content_type="application/json"
    )
    assert good.status_code == 200
    assert good.json()["assignment_id"] == assignment.pk
