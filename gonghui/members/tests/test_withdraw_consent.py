"""Withdrawing consent (PIPL art. 15): the membership ends as a withdrawal, pending
applications are withdrawn, places at coming activities go back, every session ends; the
figures stay true and a repeat changes nothing."""

import pytest
from django.utils import timezone

from gonghui.accounts.models import ApiToken, User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, Registration
from gonghui.core.errors import DomainError
from gonghui.core.models import AuditEntry
from gonghui.members import actions
from gonghui.members.models import Application, ConsentWithdrawal, Member, Transfer
from gonghui.members.tests.own_data_world import apply, make_event, make_world
from gonghui.orgs.models import Tally
from gonghui.orgs.tallies import STOCK_DAY

# Every test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


@pytest.fixture
def world(tree, operator):
    return make_world(operator, tree)


def active_members(org) -> int:
    return Tally.objects.get(org=org, day=STOCK_DAY, metric="members.active").value


def test_withdrawal_ends_everything_still_running(world, tree, operator):
    worker = world.worker
    # A new application waiting for review (the worker applied again meanwhile) and a
    # registration at an activity that already closed, which stays as it was.
    waiting = apply(world.event, "again", mobile="13900001234")
    past = Checkpoint.objects.create(org=tree.zgc, kind="activity", title="上周的讲座")
    old = checkins.register(member=worker.member, checkpoint=past)
    Checkpoint.objects.filter(pk=past.pk).update(closes_at=timezone.now())
    assert active_members(tree.zgc) == 2
    generation = worker.user.session_generation

    withdrawal = actions.withdraw_consent(actor=worker.user, member=worker.member)

    member = Member.objects.get(pk=worker.member.pk)
    assert (member.status, member.left_on, member.leave_reason, member.card_version) == (
        "withdrawn",
        timezone.localdate(),
        "撤回个人信息处理同意",
        2,
    )
    assert active_members(tree.zgc) == 1
    assert Application.objects.get(pk=waiting.pk).status == "withdrawn"
    assert Application.objects.get(pk=worker.approved.pk).status == "approved"
    assert Registration.objects.get(pk=worker.registration.pk).status == "cancelled"
    assert Registration.objects.get(pk=old.pk).status == "confirmed"
    assert Checkpoint.objects.get(pk=world.coming.pk).confirmed_places == 1  # the other's
    assert Transfer.objects.get(pk=worker.transfer.pk).status == "cancelled"
    assert User.objects.get(pk=worker.user.pk).session_generation == generation + 1
    assert (withdrawal.user_id, withdrawal.member_id, withdrawal.applications_withdrawn) == (
        worker.user.pk,
        member.pk,
        1,
    )
    entry = AuditEntry.objects.get(action="members.consent.withdrawn")
    assert (entry.actor_id, entry.target_id, entry.org_id, entry.changes) == (
        worker.user.pk,
        str(worker.user.pk),
        tree.zgc.pk,
        {"membership_ended": True, "applications_withdrawn": 1, "registrations_cancelled": 1},
    )
    assert AuditEntry.objects.filter(action="members.member.left").count() == 1
    # The other worker keeps everything.
    assert Member.objects.get(pk=world.other.member.pk).status == "active"
    assert Registration.objects.get(pk=world.other.registration.pk).status == "confirmed"


def test_a_repeat_returns_the_first_withdrawal_and_changes_nothing(world):
    worker = world.worker
    first = actions.withdraw_consent(actor=worker.user, member=worker.member)
    entries = AuditEntry.objects.count()
    user = User.objects.get(pk=worker.user.pk)
    again = actions.withdraw_consent(actor=user, member=Member.objects.get(pk=worker.member.pk))
    assert again.pk == first.pk
    assert ConsentWithdrawal.objects.count() == 1
    assert AuditEntry.objects.count() == entries
    assert User.objects.get(pk=user.pk).session_generation == user.session_generation


def test_an_applicant_without_membership_withdraws_their_application(tree, operator):
    user = User.objects.create_user(None, None, mobile="13900003333")
    application = apply(make_event(operator, tree.zgc), "solo", mobile="13900003333")
    token = ApiToken.objects.create(user=user, name="app", prefix="abc", token_hash="h" * 64)
    withdrawal = actions.withdraw_consent(actor=user, member=None)
    assert Application.objects.get(pk=application.pk).status == "withdrawn"
    assert withdrawal.applications_withdrawn == 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    entry = AuditEntry.objects.get(action="members.consent.withdrawn")
    assert entry.org_id is None
    assert entry.changes == {
        "membership_ended": False,
        "applications_withdrawn": 1,
        "registrations_cancelled": 0,
    }


def test_only_the_member_themselves_may_withdraw_their_consent(world):
    with pytest.raises(DomainError) as refused:
        actions.withdraw_consent(actor=world.other.user, member=world.worker.member)
    assert refused.value.code == "not_yours"
    assert Member.objects.get(pk=world.worker.member.pk).status == "active"


def test_the_page_explains_asks_for_the_tick_and_signs_out(world, client_for, settings):
    client = client_for(world.worker.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/me/data/withdraw-consent/")
    assert page.status_code == 200
    assert world.worker.member.number in page.content.decode()
    unticked = client.post("/me/data/withdraw-consent/", {})
    assert unticked.status_code == 400
    assert "Tick the box to confirm." in unticked.content.decode()
    assert Member.objects.get(pk=world.worker.member.pk).status == "active"
    done = client.post("/me/data/withdraw-consent/", {"confirm": "on"})
    assert done.status_code == 200
    assert 'id="consent-withdrawn"' in done.content.decode()
    assert Member.objects.get(pk=world.worker.member.pk).status == "withdrawn"
    # Signed out: the data page asks for sign-in again.
    assert client.get("/me/data/").status_code == 302
