import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from gonghui.checkins import actions
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.core.errors import ConflictError, DomainError
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members import metrics as member_metrics
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs import tallies

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


def make_member(org, operator, **overrides) -> Member:
    return member_actions.import_member(
        actor=operator, org=org, joined_on=timezone.localdate(), **person(**overrides)
    )


def card_of(member: Member) -> str:
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


@pytest.fixture
def checkpoint(tree) -> Checkpoint:
    now = timezone.now()
    return Checkpoint.objects.create(
        org=tree.zgc,
        kind="activity",
        title="工匠精神研讨会",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
        capacity=2,
    )


def test_capacity_then_waiting_list_then_promotion(
    checkpoint, tree, operator, sms_outbox, django_capture_on_commit_callbacks
):
    a, b, c = (make_member(tree.zgc, operator) for _ in range(3))
    first = actions.register(member=a, checkpoint=checkpoint)
    actions.register(member=b, checkpoint=checkpoint)
    third = actions.register(member=c, checkpoint=checkpoint)
    assert (first.status, third.status) == ("confirmed", "waitlisted")
    with pytest.raises(ConflictError):
        actions.register(member=a, checkpoint=checkpoint)
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_registration(actor=a.user or operator, registration=first)
    third.refresh_from_db()
    assert third.status == "offered"
    assert [m.mobile for m in sms_outbox] == [str(c.mobile)]
    actions.confirm_offer(member=c, registration=third)
    checkpoint.refresh_from_db()
    assert checkpoint.confirmed_places == 2


def test_an_unconfirmed_offer_moves_on(checkpoint, tree, operator):
    checkpoint.capacity = 1
    checkpoint.save()
    a, b, c = (make_member(tree.zgc, operator) for _ in range(3))
    first = actions.register(member=a, checkpoint=checkpoint)
    second = actions.register(member=b, checkpoint=checkpoint)
    third = actions.register(member=c, checkpoint=checkpoint)
    actions.cancel_registration(actor=operator, registration=first)
    assert actions.expire_offers(now=timezone.now() + timedelta(hours=25)) == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == ("expired", "offered")


def test_per_person_limit_and_registration_window(checkpoint, tree, operator, english):
    member = make_member(tree.zgc, operator)
    with pytest.raises(DomainError) as caught:
        actions.register(member=member, checkpoint=checkpoint, places=2)
    assert caught.value.code == "over_limit"
    checkpoint.registration_closes_at = timezone.now() - timedelta(minutes=1)
    checkpoint.save()
    with pytest.raises(DomainError) as caught:
        actions.register(member=member, checkpoint=checkpoint)
    assert caught.value.code == "registration_closed"


def test_screen_code_rotates_and_a_second_scan_says_already(checkpoint, tree, operator, english):
    member = make_member(tree.zgc, operator)
    actions.register(member=member, checkpoint=checkpoint)
    now = timezone.now()
    code = actions.screen_code(checkpoint, at=now)
    ok = actions.check_in_by_screen(member=member, checkpoint=checkpoint, code=code, at=now)
    assert (ok.ok, ok.code) == (True, "checked_in")
    again = actions.check_in_by_screen(member=member, checkpoint=checkpoint, code=code, at=now)
    assert again.code == "already_checked_in"
    assert again.message.startswith("Already checked in at ")
    old = actions.screen_code(checkpoint, at=now - timedelta(seconds=95))
    other = make_member(tree.zgc, operator)
    actions.register(member=other, checkpoint=checkpoint)
    expired = actions.check_in_by_screen(member=other, checkpoint=checkpoint, code=old, at=now)
    assert expired.code == "code_expired"
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    assert (
        actions.check_in_by_screen(member=other, checkpoint=checkpoint, code=forged, at=now).code
        == "code_invalid"
    )
    checkpoint.refresh_from_db()
    assert checkpoint.checked_in == 1
    assert CheckIn.objects.count() == 1


def test_card_scan_answers(checkpoint, tree, operator, make_staff):
    clerk = make_staff(tree.zgc, "operator")
    member = make_member(tree.zgc, operator)
    stranger = make_member(tree.zgc, operator)
    actions.register(member=member, checkpoint=checkpoint)
    assert (
        actions.check_in_by_card(actor=clerk, checkpoint=checkpoint, card_code=card_of(member)).code
        == "checked_in"
    )
    assert (
        actions.check_in_by_card(
            actor=clerk, checkpoint=checkpoint, card_code=card_of(stranger)
        ).code
        == "not_registered"
    )
    revoked_card = card_of(stranger)
    member_actions.revoke_card(actor=operator, member=stranger, reason="手机丢失")
    assert (
        actions.check_in_by_card(actor=clerk, checkpoint=checkpoint, card_code=revoked_card).code
        == "card_revoked"
    )
    assert (
        actions.check_in_by_card(actor=clerk, checkpoint=checkpoint, card_code="GH1.x.y").code
        == "card_invalid"
    )
    # Edits go through update(): a save() of a stale instance would write old counters back.
    Checkpoint.objects.filter(pk=checkpoint.pk).update(allows_walk_ins=True)
    checkpoint.refresh_from_db()
    walk_in = actions.check_in_by_card(
        actor=clerk, checkpoint=checkpoint, card_code=card_of(Member.objects.get(pk=stranger.pk))
    )
    assert (walk_in.code, walk_in.walk_in) == ("checked_in", True)
    checkpoint.refresh_from_db()
    assert (checkpoint.checked_in, checkpoint.walk_ins) == (2, 1)


def test_a_batch_sent_twice_checks_in_once(checkpoint, tree, operator, make_staff):
    clerk = make_staff(tree.zgc, "operator")
    checkpoint.capacity = None
    checkpoint.allows_walk_ins = True
    checkpoint.save()
    members = [make_member(tree.zgc, operator) for _ in range(5)]
    scanned = timezone.now() - timedelta(minutes=5)
    items = [actions.BatchItem(f"n{i}", card_of(m), scanned) for i, m in enumerate(members)]
    items.append(actions.BatchItem("n-dup", card_of(members[0]), scanned))
    first = actions.upload_batch(actor=clerk, checkpoint=checkpoint, device="phone-1", items=items)
    assert [a["code"] for a in first] == ["checked_in"] * 5 + ["already_checked_in"]
    again = actions.upload_batch(actor=clerk, checkpoint=checkpoint, device="phone-1", items=items)
    assert [a["code"] for a in again] == [a["code"] for a in first]
    assert all(a["replayed"] for a in again)
    checkpoint.refresh_from_db()
    assert CheckIn.objects.filter(checkpoint=checkpoint).count() == 5
    assert checkpoint.checked_in == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_registration_storm_never_overbooks(tree, operator):
    """1,000 concurrent registrations for 100 places: exactly 100 confirmed, every run."""
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    checkpoint = Checkpoint.objects.create(
        org=tree.zgc, kind="activity", title="普惠观影", capacity=100
    )
    members = Member.objects.bulk_create(
        [
            Member(number=f"S{i:06d}", org=tree.zgc, joined_on=timezone.localdate(), **person())
            for i in range(1000)
        ]
    )
    # Members written in bulk count in their union's stock, as a roster import counts them.
    tallies.count_many({tallies.stock(tree.zgc.pk, member_metrics.ACTIVE): len(members)})
    barrier = threading.Barrier(50)
    errors: list[str] = []

    def worker(chunk: list[Member]) -> None:
        try:
            barrier.wait()
            for member in chunk:
                actions.register(member=member, checkpoint=checkpoint)
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(members[i::50],)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    checkpoint.refresh_from_db()
    statuses = Registration.objects.filter(checkpoint=checkpoint)
    assert statuses.filter(status="confirmed").count() == 100
    assert statuses.filter(status="waitlisted").count() == 900
    assert checkpoint.confirmed_places == 100
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copies_of_a_batch_uploaded_at_the_same_moment_count_once(tree, operator, make_staff):
    """A device retrying while its first upload is still running: every copy answers the same,
    and the scans are stored and counted once (the bench found counters doubled before)."""
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")
    clerk = make_staff(tree.zgc, "operator")
    checkpoint = Checkpoint.objects.create(
        org=tree.zgc, kind="activity", title="消防演练", allows_walk_ins=True
    )
    members = [make_member(tree.zgc, operator) for _ in range(100)]
    scanned = timezone.now() - timedelta(minutes=5)
    items = [actions.BatchItem(f"n{i}", card_of(m), scanned) for i, m in enumerate(members)]
    copies = 6
    barrier = threading.Barrier(copies)
    answers: list[list[dict[str, object]]] = []
    errors: list[str] = []

    def upload() -> None:
        try:
            barrier.wait()
            answers.append(
                actions.upload_batch(
                    actor=clerk, checkpoint=checkpoint, device="phone-1", items=items
                )
            )
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(answers) == copies
    for answer in answers:
        assert [a["code"] for a in answer] == ["checked_in"] * 100
    # Exactly one copy made the check-ins; the others replayed its answers.
    fresh = [sum(not a["replayed"] for a in answer) for answer in answers]
    assert sorted(fresh) == [0] * (copies - 1) + [100]
    checkpoint.refresh_from_db()
    assert CheckIn.objects.filter(checkpoint=checkpoint).count() == 100
    assert (checkpoint.checked_in, checkpoint.walk_ins) == (100, 100)


def test_the_expiry_command_moves_offers_on(checkpoint, tree, operator):
    import io
    from datetime import timedelta as td

    from django.core.management import call_command

    Checkpoint.objects.filter(pk=checkpoint.pk).update(capacity=1)
    checkpoint.refresh_from_db()
    a, b = (make_member(tree.zgc, operator) for _ in range(2))
    first = actions.register(member=a, checkpoint=checkpoint)
    second = actions.register(member=b, checkpoint=checkpoint)
    actions.cancel_registration(actor=operator, registration=first)
    Registration.objects.filter(pk=second.pk).update(
        offer_expires_at=timezone.now() - td(minutes=1)
    )
    out = io.StringIO()
    call_command("expire_offers", stdout=out)
    assert out.getvalue() == "Offers expired: 1\n"
    second.refresh_from_db()
    assert second.status == "expired"
