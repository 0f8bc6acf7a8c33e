"""A worker with data in every app, and a second one beside them, made through the real
actions: for the tests of a worker's own data, its download and withdrawing consent."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.benefits import claiming
from gonghui.benefits.models import Claim
from gonghui.benefits.tests.factories import make_offer, make_provider, make_service
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, Registration
from gonghui.members import actions
from gonghui.members.models import Application, Member, RecruitmentEvent, Transfer
from gonghui.members.tests.factories import person


@dataclass
class Worker:
    user: User
    member: Member
    approved: Application
    rejected: Application
    registration: Registration
    claim: Claim
    transfer: Transfer


@dataclass
class World:
    worker: Worker
    other: Worker
    event: RecruitmentEvent
    coming: Checkpoint  # an activity still to come, with a registration
    held: Checkpoint  # an activity running now, with a check-in
    station: Checkpoint


def make_event(operator, org):
    now = timezone.now()
    return actions.create_recruitment_event(
        actor=operator,
        org=org,
        enterprise=None,
        title="中关村骑手入会活动",
        place="中关村广场",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )


def apply(event: RecruitmentEvent, key: str, **fields: object) -> Application:
    return actions.submit_application(
        event=event,
        submission_key=key,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(**fields),
    ).application


def make_worker(world, operator, tree, *, name, mobile):
    event = world["event"]
    user = User.objects.create_user(None, None, mobile=mobile, name=name)
    details = person(name=name, mobile=mobile)
    rejected = apply(event, f"{mobile}-1", **details)
    actions.reject_application(actor=operator, application=rejected, reason="资料不全")
    approved = apply(event, f"{mobile}-2", **details)
    member = actions.approve_application(actor=operator, application=approved)
    member = Member.objects.select_related("org").get(pk=member.pk)
    assert member.user_id == user.pk
    coming, held, station = (world["coming"], world["held"], world["station"])
    registration = checkins.register(member=member, checkpoint=coming)
    assert checkins.check_in_by_poster(member=member, checkpoint=held).ok
    assert checkins.check_in_by_poster(member=member, checkpoint=station).ok
    claim = claiming.claim_offer(member=member, offer=world["offer"])
    transfer = actions.start_transfer(
        actor=user,
        member=member,
        to_org=tree.hlg,
        new_employer_name="顺丰速运",
    )
    actions.reveal_personal_data(actor=operator, person=member, field="id_number")
    return Worker(
        user=User.objects.get(pk=user.pk),
        member=member,
        approved=Application.objects.get(pk=approved.pk),
        rejected=Application.objects.get(pk=rejected.pk),
        registration=registration,
        claim=claim,
        transfer=transfer,
    )


def make_world(operator, tree):
    now = timezone.now()
    zgc = tree.zgc
    world = {
        "event": make_event(operator, zgc),
        "coming": Checkpoint.objects.create(
            org=zgc,
            kind="activity",
            title="骑手安全培训",
            opens_at=now + timedelta(days=3),
            closes_at=now + timedelta(days=3, hours=2),
        ),
        "held": Checkpoint.objects.create(
            org=zgc,
            kind="activity",
            title="骑手座谈会",
            requires_registration=False,
            allows_walk_ins=True,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=1),
        ),
        "station": Checkpoint.objects.create(
            org=tree.station,
            kind="station",
            title="龙泽园驿站",
            requires_registration=False,
            allows_walk_ins=True,
            once_a_day=True,
        ),
    }
    service = make_service(operator, make_provider(operator, zgc))
    world["offer"] = make_offer(operator, service)
    worker = make_worker(world, operator, tree, name="周骑手", mobile="13900001234")
    other = make_worker(world, operator, tree, name="吴快递", mobile="13900005678")
    return World(
        worker=worker,
        other=other,
        event=world["event"],
        coming=world["coming"],
        held=world["held"],
        station=world["station"],
    )
