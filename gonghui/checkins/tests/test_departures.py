"""Departures at a checkpoint that records them (volunteer shifts): once, never before the
arrival, by card, screen code or batch; a checkpoint that does not record them refuses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.checkins import actions
from gonghui.checkins.models import CheckIn, Checkpoint
from gonghui.checkins.tests.test_actions import card_of, make_member
from gonghui.core.errors import DomainError

pytestmark = pytest.mark.usefixtures("tallies_exact")


@pytest.fixture
def shift(tree) -> Checkpoint:
    now = timezone.now()
    return Checkpoint.objects.create(
        org=tree.zgc,
        kind="shift",
        title="幸福东社区 · 第一组",
        opens_at=now - timedelta(hours=2),
        closes_at=now + timedelta(hours=2),
        requires_registration=False,
        records_departures=True,
    )


def test_a_departure_is_recorded_once_and_never_before_the_arrival(
    shift, tree, operator, make_staff, english
):
    desk = make_staff(tree.zgc, "operator")
    member = make_member(tree.zgc, operator)
    card = card_of(member)
    now = timezone.now()
    before = actions.check_out_by_card(actor=desk, checkpoint=shift, card_code=card, at=now)
    assert (before.ok, before.code) == (False, "not_arrived")
    actions.check_in_by_card(actor=desk, checkpoint=shift, card_code=card, at=now)
    early = actions.check_out_by_card(
        actor=desk, checkpoint=shift, card_code=card, at=now - timedelta(minutes=5)
    )
    assert (early.ok, early.code) == (False, "left_before_arrival")
    left = actions.check_out_by_card(
        actor=desk, checkpoint=shift, card_code=card, at=now + timedelta(minutes=90)
    )
    assert (left.ok, left.code) == (True, "left")
    again = actions.check_out_by_card(
        actor=desk, checkpoint=shift, card_code=card, at=now + timedelta(minutes=95)
    )
    assert again.code == "already_left"
    stored = CheckIn.objects.get()
    assert stored.left_at == now + timedelta(minutes=90)
    assert stored.left_method == CheckIn.Method.CARD
    shift.refresh_from_db()
    assert shift.checked_in == 1  # a departure changes no counter


def test_a_batch_takes_its_arrivals_before_its_departures(shift, tree, operator, make_staff):
    desk = make_staff(tree.zgc, "operator")
    member = make_member(tree.zgc, operator)
    card = card_of(member)
    now = timezone.now()
    items = [
        actions.BatchItem("out", card, now - timedelta(minutes=10), departure=True),
        actions.BatchItem("in", card, now - timedelta(minutes=70)),
    ]
    answers = actions.upload_batch(actor=desk, checkpoint=shift, device="pad", items=items)
    assert [a["code"] for a in answers] == ["left", "checked_in"]
    again = actions.upload_batch(actor=desk, checkpoint=shift, device="pad", items=items)
    assert [a["replayed"] for a in again] == [True, True]
    assert CheckIn.objects.get().left_at == now - timedelta(minutes=10)


def test_a_checkpoint_without_departures_refuses_one(tree, operator, make_staff):
    desk = make_staff(tree.zgc, "operator")
    activity = Checkpoint.objects.create(org=tree.zgc, kind="activity", title="研讨会")
    member = make_member(tree.zgc, operator)
    with pytest.raises(DomainError) as caught:
        actions.check_out_by_card(actor=desk, checkpoint=activity, card_code=card_of(member))
    assert caught.value.code == "no_departures"


def test_full_without_a_waiting_list_refuses_and_writes_nothing(tree, operator):
    small = Checkpoint.objects.create(org=tree.zgc, kind="activity", title="小班", capacity=1)
    first, second = make_member(tree.zgc, operator), make_member(tree.zgc, operator)
    actions.register(member=first, checkpoint=small, waiting_list=False)
    with pytest.raises(DomainError) as caught:
        actions.register(member=second, checkpoint=small, waiting_list=False)
    assert (caught.value.code, caught.value.status) == ("full", 409)
    small.refresh_from_db()
    assert small.confirmed_places == 1
    assert small.registrations.count() == 1
