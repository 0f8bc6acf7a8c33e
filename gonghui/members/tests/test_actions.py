from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.models import AuditEntry
from gonghui.members import actions, cards
from gonghui.members.models import Application, Episode, Member
from gonghui.members.tests.factories import person

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


@pytest.fixture
def event(tree, operator):
    now = timezone.now()
    return actions.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=None,
        title="搜狐双沟通活动",
        place="搜狐媒体大厦",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        target=500,
        gift_name="入会礼包",
        gift_stock=2,
    )


def submit(event, key="k1", **overrides):
    return actions.submit_application(
        event=event,
        submission_key=key,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(**overrides),
    )


def test_a_retry_returns_the_first_application(event):
    first = submit(event, key="same")
    again = submit(event, key="same")
    assert first.replayed is False
    assert again.replayed is True
    assert again.application.pk == first.application.pk
    assert Application.objects.count() == 1


def test_every_new_submission_is_its_own_application_member_or_not(event, tree, make_staff):
    details = person()
    first = submit(event, key="a", **{k: details[k] for k in ("id_number", "mobile")})
    second = submit(event, key="b", **{k: details[k] for k in ("id_number", "mobile")})
    third = submit(event, key="c", id_number=details["id_number"], mobile="13900000000")
    assert [first.replayed, second.replayed, third.replayed] == [False] * 3
    assert len({first.application.pk, second.application.pk, third.application.pk}) == 3
    assert len({first.application.receipt, second.application.receipt}) == 2
    actions.approve_application(
        actor=make_staff(tree.zgc, "reviewer"), application=first.application
    )
    of_a_member = submit(event, key="d", id_number=details["id_number"])
    assert of_a_member.application.status == "pending"


def test_approving_a_second_application_of_a_member_is_refused(event, tree, make_staff):
    reviewer = make_staff(tree.zgc, "reviewer")
    details = person()
    first = submit(event, key="a", id_number=details["id_number"]).application
    second = submit(event, key="b", id_number=details["id_number"]).application
    actions.approve_application(actor=reviewer, application=first)
    with pytest.raises(DomainError) as caught:
        actions.approve_application(actor=reviewer, application=second)
    assert caught.value.code == "duplicate_member"
    assert Member.objects.count() == 1


def test_bad_input_is_refused_field_by_field(event, english):
    with pytest.raises(DomainError) as caught:
        submit(event, id_number="110108199506150010")
    assert caught.value.fields == {
        "id_number": [
            "The last character does not match the rest of the number; please check for a typo."
        ]
    }
    with pytest.raises(DomainError) as caught:
        actions.submit_application(
            event=event,
            submission_key="x",
            consent=False,
            consent_version=settings.CONSENT_VERSION,
            **person(),
        )
    assert caught.value.code == "consent_required"


def test_approval_makes_a_member_with_a_number_and_a_verifiable_card(event, tree, make_staff):
    reviewer = make_staff(tree.zgc, "reviewer")
    application = submit(event).application
    assert application.org == tree.zgc
    member = actions.approve_application(actor=reviewer, application=application)
    assert member.number == f"{tree.zgc.pk:06d}-000001"
    assert member.org == tree.zgc
    assert Episode.objects.filter(member=member, ended_on=None).count() == 1
    code = cards.sign_card(
        cards.CardClaims(member.number, member.name, member.org.name, member.joined_on, 1)
    )
    assert cards.verify_card(code).number == member.number
    tampered = code[:-6] + ("A" if code[-6] != "A" else "B") + code[-5:]
    with pytest.raises(cards.CardCodeError):
        cards.verify_card(tampered)
    with pytest.raises(ConflictError):
        actions.approve_application(actor=reviewer, application=application)


def test_routing_prefers_the_enterprise_union(tree, operator, make_enterprise):
    from gonghui.enterprises.actions import record_existing_union

    enterprise = make_enterprise(tree.zgc)
    record_existing_union(
        actor=operator, enterprise=enterprise, union=tree.sohu, established_on=timezone.localdate()
    )
    enterprise.refresh_from_db()
    now = timezone.now()
    event = actions.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=enterprise,
        title="t",
        place="p",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    assert submit(event).application.org == tree.sohu


def test_reviewer_outside_the_subtree_cannot_approve(event, tree, make_staff):
    outsider = make_staff(tree.hlg, "reviewer")
    with pytest.raises(NotFoundError):
        actions.approve_application(actor=outsider, application=submit(event).application)


def test_gifts_never_exceed_stock(event, tree, make_staff):
    clerk = make_staff(tree.zgc, "operator")
    apps = [submit(event, key=f"g{i}").application for i in range(3)]
    actions.give_welcome_gift(actor=clerk, application=apps[0])
    with pytest.raises(DomainError) as caught:
        actions.give_welcome_gift(actor=clerk, application=apps[0])
    assert caught.value.code == "gift_already_given"
    actions.give_welcome_gift(actor=clerk, application=apps[1])
    with pytest.raises(DomainError) as caught:
        actions.give_welcome_gift(actor=clerk, application=apps[2])
    assert caught.value.code == "gifts_out"
    event.refresh_from_db()
    assert event.gifts_given == 2


def test_a_transfer_keeps_the_membership_without_a_gap(event, tree, make_staff):
    reviewer = make_staff(tree.zgc, "org_admin")
    receiving = make_staff(tree.hlg, "reviewer")
    member = actions.approve_application(actor=reviewer, application=submit(event).application)
    transfer = actions.start_transfer(
        actor=reviewer, member=member, to_org=tree.hlg, new_employer_name="顺丰速运回龙观网点"
    )
    moved = actions.accept_transfer(actor=receiving, transfer=transfer)
    assert moved.org == tree.hlg
    assert moved.number == member.number
    episodes = list(Episode.objects.filter(member=member).order_by("pk"))
    assert [(e.org, e.ended_on is None) for e in episodes] == [(tree.zgc, False), (tree.hlg, True)]
    assert episodes[0].ended_on == episodes[1].started_on
    assert AuditEntry.objects.filter(action="members.transfer.accepted").count() == 1


def test_withdrawing_ends_the_membership_and_the_card(event, tree, make_staff):
    admin = make_staff(tree.zgc, "org_admin")
    member = actions.approve_application(actor=admin, application=submit(event).application)
    left = actions.record_leaving(actor=admin, member=member, status="withdrawn", reason="本人申请")
    assert (left.status, left.card_version) == (Member.Status.WITHDRAWN, 2)
