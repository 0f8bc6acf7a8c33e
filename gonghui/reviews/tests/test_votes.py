"""The public vote: one member, one vote; the frozen electorate; the tally log anyone can
recount; receipts; quarantine with a stated reason."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gonghui.core.errors import DomainError
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.reviews import actions, queries, tally_log
from gonghui.reviews.models import Ballot, Elector, Poll, Submission


@pytest.fixture
def poll(tree, operator, call, make_member, entry_of) -> Poll:
    for title in ("便携式电工测试仪", "充电端子定位器", "风炮消音器"):
        entry = entry_of(make_member(tree.hlg), call, title)
        actions.decide(actor=operator, entry=entry, decision="shortlisted", reason="入围")
    now = timezone.now()
    return actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=tree.root,
        title="网络投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        jury_weight=70,
        vote_weight=30,
    )


def vote(member, poll, position: int, ip: str = "10.0.0.1", device: str = "phone") -> Ballot:
    candidate = poll.candidates.get(position=position)
    return actions.cast_ballot(
        actor=member.user,
        member=member,
        poll=poll,
        candidate=candidate,
        signals=actions.Signals(ip=ip, device=device),
    )


def test_opening_freezes_the_electorate_and_the_shortlist(tree, operator, poll, make_member):
    voters = [make_member(tree.hlg) for _ in range(3)]
    actions.open_poll(actor=operator, poll=poll)
    late = make_member(tree.hlg)
    poll.refresh_from_db()
    # 3 authors and 3 voters were active members when it opened; the late joiner is not.
    assert (poll.status, poll.electorate_size) == ("open", 6)
    assert [c.submission.title for c in queries.list_candidates(poll)] == [
        "便携式电工测试仪",
        "充电端子定位器",
        "风炮消音器",
    ]
    assert Elector.objects.filter(poll=poll, member=voters[0]).exists()
    with pytest.raises(DomainError) as outside:
        vote(late, poll, 1)
    assert outside.value.code == "not_in_electorate"
    assert Ballot.objects.count() == 0


def test_a_second_ballot_is_refused_with_the_first_receipt(tree, operator, poll, make_member):
    voter = make_member(tree.hlg)
    actions.open_poll(actor=operator, poll=poll)
    first = vote(voter, poll, 2)
    with pytest.raises(DomainError) as again:
        vote(voter, poll, 3, device="tablet")
    assert again.value.code == "already_voted"
    assert first.receipt in str(again.value.message)
    assert list(Ballot.objects.values_list("candidate__position", flat=True)) == [2]


def test_a_ballot_after_close_is_refused(tree, operator, poll, make_member):
    voter = make_member(tree.hlg)
    actions.open_poll(actor=operator, poll=poll)
    actions.close_poll(actor=operator, poll=poll)
    with pytest.raises(DomainError) as closed:
        vote(voter, poll, 1)
    assert closed.value.code == "poll_closed"
    assert Ballot.objects.count() == 0


def test_weights_must_add_up_to_100(operator, tree, call):
    now = timezone.now()
    with pytest.raises(DomainError) as refused:
        actions.create_poll(
            actor=operator,
            call=call,
            electorate_org=tree.root,
            title="x",
            opens_at=now,
            closes_at=now + timedelta(hours=1),
            jury_weight=70,
            vote_weight=20,
        )
    assert refused.value.code == "weights_not_100"
    assert Poll.objects.count() == 0


def test_recounting_the_published_log_gives_the_published_result_and_finds_a_receipt(
    tree, operator, poll, make_member
):
    voters = [make_member(tree.hlg) for _ in range(7)]
    actions.open_poll(actor=operator, poll=poll)
    positions = [1, 2, 2, 3, 2, 1, 2]
    ballots = [
        vote(m, poll, p, ip=f"10.0.0.{n}")
        for n, (m, p) in enumerate(zip(voters, positions, strict=True))
    ]
    actions.quarantine_ballots(
        actor=operator, poll=poll, ballots=[ballots[6]], reason="同一设备连续投票"
    )
    actions.close_poll(actor=operator, poll=poll)
    published = actions.publish_result(actor=operator, poll=poll)

    log = queries.log_entries(published)
    assert all("member" not in entry for entry in log)
    recount = tally_log.recount(published.pk, log)
    assert (recount.counted, recount.set_aside) == (6, 1)
    assert recount.counts == {1: 2, 2: 3, 3: 1}
    assert recount.head_hash == published.result["head_hash"] == published.head_hash
    assert {c["position"]: c["votes"] for c in published.result["candidates"]} == recount.counts
    mine = queries.find_receipt(published, ballots[3].receipt.lower())
    assert mine is not None
    assert log[mine["seq"] - 1]["receipt"] == ballots[3].receipt
    assert log[6]["set_aside"] == "同一设备连续投票"


def test_a_changed_log_entry_breaks_the_chain(tree, operator, poll, make_member):
    voters = [make_member(tree.hlg) for _ in range(3)]
    actions.open_poll(actor=operator, poll=poll)
    for n, voter in enumerate(voters):
        vote(voter, poll, 1, ip=f"10.1.0.{n}")
    assert queries.log_entries(poll) == []  # sealed when the vote closes
    actions.close_poll(actor=operator, poll=poll)
    log = queries.log_entries(poll)
    assert tally_log.recount(poll.pk, log).counted == 3
    log[1]["candidate"] = 3
    with pytest.raises(tally_log.BrokenChainError):
        tally_log.recount(poll.pk, log)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_500_concurrent_double_votes_give_exactly_one_ballot_each(tree, operator, call):
    """Each of 500 members taps twice at once, from two devices: 500 ballots, a whole chain."""
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    from gonghui.accounts.models import User

    members = Member.objects.bulk_create(
        [
            Member(number=f"V{i:06d}", org=tree.hlg, joined_on=timezone.localdate(), **person())
            for i in range(500)
        ]
    )
    users = User.objects.bulk_create([User(username=f"voter{i}") for i in range(500)])
    for member, user in zip(members, users, strict=True):
        member.user = user
    Member.objects.bulk_update(members, ["user"])
    entry = Submission.objects.create(
        call=call,
        org=tree.hlg,
        title="风炮消音器",
        summary="x",
        code="AAA111",
        status="submitted",
        decision="shortlisted",
    )
    now = timezone.now()
    poll = actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=tree.root,
        title="投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
        jury_weight=50,
        vote_weight=50,
    )
    actions.open_poll(actor=operator, poll=poll)
    candidate = poll.candidates.get(submission=entry)
    taps = [(m, device) for m in members for device in ("phone", "tablet")]
    outcomes: list[str] = []
    errors: list[str] = []
    barrier = threading.Barrier(40)
    lock = threading.Lock()

    def worker(chunk) -> None:
        try:
            barrier.wait()
            for member, device in chunk:
                try:
                    actions.cast_ballot(
                        actor=member.user,
                        member=member,
                        poll=poll,
                        candidate=candidate,
                        signals=actions.Signals(ip=f"10.{member.pk % 250}.0.1", device=device),
                    )
                    result = "ok"
                except DomainError as refused:
                    result = refused.code
                with lock:
                    outcomes.append(result)
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    # The two taps of one member land in different threads, at about the same moment.
    threads = [threading.Thread(target=worker, args=(taps[i::40],)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (outcomes.count("ok"), outcomes.count("already_voted")) == (500, 500)
    assert Ballot.objects.filter(poll=poll).count() == 500
    assert Ballot.objects.filter(poll=poll).values("member").distinct().count() == 500
    poll = actions.close_poll(actor=operator, poll=poll)
    recount = tally_log.recount(poll.pk, queries.log_entries(poll))
    assert (recount.counted, recount.head_hash, poll.ballots_cast) == (500, poll.head_hash, 500)
