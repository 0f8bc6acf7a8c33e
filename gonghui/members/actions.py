"""Recruitment and membership: events, joining, review, members, cards, transfers, leaving."""

import secrets
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.actions import sign_out_everywhere
from gonghui.accounts.models import User
from gonghui.core import audit, ratelimits
from gonghui.core.capabilities import Capability
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.fields import lookup_value
from gonghui.core.personal import (
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_mobile,
)
from gonghui.core.request_context import current_ip
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import name_problem
from gonghui.enterprises.models import Enterprise
from gonghui.members import metrics
from gonghui.members.choices import ETHNICITY_NAMES, Education, Gender, JobType, PoliticalStatus
from gonghui.members.models import (
    Application,
    ConsentWithdrawal,
    Episode,
    Member,
    MemberSequence,
    RecruitmentEvent,
    Transfer,
)
from gonghui.members.queries import find_own_member, number_in
from gonghui.members.review_warnings import MINIMUM_AGE, age_on
from gonghui.members.signals import consent_withdrawn
from gonghui.orgs import tallies
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.queries import home_org_for

MIN_AGE = MINIMUM_AGE  # the Labour Law's minimum working age
# An event's link keeps working for a while after the planned end: queues run over.
EVENT_GRACE = timedelta(hours=12)
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a poster
PERSON_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "mobile",
    "employer_name",
    "has_employer_union",
    "job_type",
    "education",
    "political_status",
)


# Built once: clean_person runs for every row of a 200,000-row roster.
CHOICES = {
    "gender": frozenset(Gender.values),
    "ethnicity": frozenset(ETHNICITY_NAMES),
    "job_type": frozenset(JobType.values),
    "education": frozenset(Education.values),
    "political_status": frozenset(PoliticalStatus.values),
}


def _field_error(field: str, code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={field: [message]})


def clean_person(fields: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Normalise and check what a person typed; a DomainError names the field that is wrong."""
    cleaned, problems = check_person(fields, today=today)
    if problems:
        raise problems[0]
    return cleaned


def check_person(
    fields: dict[str, Any], *, today: date | None = None, unknown: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[DomainError]]:
    """What a person typed, normalised, with every problem found (each a DomainError naming
    its field; a field with a problem keeps what was typed). The choice fields in `unknown`
    may be empty: a roster without that column does not say (never a guessed default)."""
    cleaned = dict(fields)
    problems: list[DomainError] = []
    name = " ".join(str(cleaned.get("name", "")).split())
    if not 2 <= len(name) <= 40:
        problems.append(
            _field_error("name", "invalid_name", _("Enter your full name as on your ID card."))
        )
    elif (problem := name_problem(name, person=True)) is not None:
        problems.append(_field_error("name", "invalid_name", problem))
    cleaned["name"] = name
    try:
        cleaned["id_number"] = normalize_id_number(str(cleaned.get("id_number", "")), today=today)
    except DomainError as error:
        problems.append(_field_error("id_number", error.code, str(error.message)))
    else:
        today = today or timezone.localdate()
        age = age_on(cleaned["id_number"], today)
        if age is not None and age < MIN_AGE:
            problems.append(
                _field_error(
                    "id_number",
                    "too_young",
                    _("Union membership starts at %(age)d, the minimum working age.")
                    % {"age": MIN_AGE},
                )
            )
    try:
        cleaned["mobile"] = normalize_mobile(str(cleaned.get("mobile", "")))
    except DomainError as error:
        problems.append(_field_error("mobile", error.code, str(error.message)))
    for field, allowed in CHOICES.items():
        value = cleaned.get(field)
        if value not in allowed and not (value == "" and field in unknown):
            problems.append(_field_error(field, "invalid_choice", _("Choose one of the options.")))
    cleaned["employer_name"] = str(cleaned.get("employer_name", "")).strip()[:120]
    problem = cleaned["employer_name"] and name_problem(cleaned["employer_name"])
    if problem:
        problems.append(_field_error("employer_name", "invalid_name", problem))
    cleaned["has_employer_union"] = bool(cleaned.get("has_employer_union", False))
    return cleaned, problems


# --- recruitment events ----------------------------------------------------------------------


def _new_event_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


@transaction.atomic
def create_recruitment_event(
    *,
    actor: User,
    org: Org,
    enterprise: Enterprise | None,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    target: int = 0,
    gift_name: str = "",
    gift_stock: int = 0,
) -> RecruitmentEvent:
    """Set up an on-site recruitment event whose applications go to `org` (members.recruit)."""
    require(actor, "members.recruit", org.path)
    if org.kind == OrgKind.STATION:
        raise DomainError(
            "wrong_org_kind", _("Applications are received by a union, not by a station.")
        )
    if (
        enterprise is not None
        and not enterprise.org.path.startswith(org.path)
        and not (enterprise.union_id and enterprise.union_id == org.pk)
    ):
        raise _field_error(
            "enterprise", "enterprise_elsewhere", _("This enterprise is not in the union's area.")
        )
    if ends_at <= starts_at:
        raise _field_error("ends_at", "ends_before_start", _("The event must end after it starts."))
    if target < 0 or gift_stock < 0:
        raise DomainError("negative_number", _("Numbers cannot be below zero."))
    event = RecruitmentEvent.objects.create(
        org=org,
        enterprise=enterprise,
        title=title.strip(),
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        target=target,
        gift_name=gift_name.strip(),
        gift_stock=gift_stock,
        code=_new_event_code(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="members.event.created",
        org=org,
        target=event,
        changes={"title": event.title, "starts_at": starts_at.isoformat(), "gifts": gift_stock},
    )
    return event


@transaction.atomic
def restock_gifts(*, actor: User, event: RecruitmentEvent, added: int) -> RecruitmentEvent:
    """Add welcome gifts to an event's stock (members.recruit)."""
    require(actor, "members.recruit", event.org.path)
    if added <= 0:
        raise _field_error("added", "invalid_number", _("Add at least one gift."))
    RecruitmentEvent.objects.filter(pk=event.pk).update(gift_stock=F("gift_stock") + added)
    event.refresh_from_db()
    audit.record(
        actor=actor,
        action="members.event.restocked",
        org=event.org,
        target=event,
        changes={"added": added, "stock": event.gift_stock},
    )
    return event


def count_scan(event: RecruitmentEvent) -> None:
    """Someone opened the joining link (the first step of the per-event funnel)."""
    RecruitmentEvent.objects.filter(pk=event.pk).update(scans=F("scans") + 1)


# --- joining ---------------------------------------------------------------------------------


def route(event: RecruitmentEvent | None, enterprise: Enterprise | None, org: Org | None) -> Org:
    """The union that should accept an application: the enterprise's union when it has one,
    otherwise the event's union (a street or industry union for workers without one)."""
    chosen_enterprise = enterprise or (event.enterprise if event else None)
    if chosen_enterprise is not None and chosen_enterprise.union_id is not None:
        union = chosen_enterprise.union
        assert union is not None
        return union
    if event is not None:
        return event.org
    if org is None:
        raise DomainError("no_union", _("Choose the union you want to join."))
    return org


def received_message() -> str:
    """What every applicant is told once a submission is accepted, member or not."""
    return _(
        "We received your application. A text message with the link to follow it is on its "
        "way to the mobile number you entered."
    )


@dataclass(frozen=True)
class Submitted:
    application: Application
    replayed: bool  # True when this was a retry of an earlier submission (same key)


def submit_application(
    *,
    event: RecruitmentEvent | None,
    org: Org | None = None,
    enterprise: Enterprise | None = None,
    submission_key: str,
    consent: bool,
    consent_version: str,
    channel: str = "web",
    status_url: str = "",
    **person: Any,
) -> Submitted:
    """A worker applies to join (no sign-in needed); a retry with the same submission key
    returns the first result.

    Every other submission becomes its own application, whether or not the person is already
    a member or already applied, and its status link goes by SMS to the number typed: the
    answer tells nobody whether an ID number belongs to a member. Reviewers see such
    applications flagged (`queries.list_applications`). Rate-limited per client IP, per
    mobile number (and texts to it per day) and overall."""
    if not consent:
        raise _field_error(
            "consent", "consent_required", _("Please read and agree to the privacy notice.")
        )
    if consent_version != settings.CONSENT_VERSION:
        raise _field_error(
            "consent",
            "consent_outdated",
            _("The privacy notice has changed; please read it again."),
        )
    if not submission_key or len(submission_key) > 64:
        raise DomainError("invalid_submission_key", _("The form has expired; reload the page."))
    replay = Application.objects.filter(submission_key=submission_key).first()
    if replay is not None:
        return Submitted(replay, replayed=True)
    ip = current_ip()
    if ip:
        ratelimits.take("join.ip", ip)
    cleaned = clean_person(person)
    now = timezone.now()
    if event is not None and not (event.starts_at <= now <= event.ends_at + EVENT_GRACE):
        raise DomainError(
            "event_closed", _("This recruitment event is not open; you can still join online.")
        )
    ratelimits.take("join.mobile", cleaned["mobile"])
    if status_url:
        ratelimits.take("sms.mobile", cleaned["mobile"])
    # Last: on the database store its one row stays locked until the request commits.
    ratelimits.take("join.global", "all")
    union = route(event, enterprise, org)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                org=union,
                event=event,
                enterprise=enterprise or (event.enterprise if event else None),
                consent_version=consent_version,
                consented_at=now,
                submission_key=submission_key,
                receipt=secrets.token_urlsafe(18),
                channel=channel,
                **cleaned,
            )
            tallies.count(union.pk, metrics.SUBMITTED, on=application.submitted_at)
            if status_url:
                send_sms_on_commit(
                    mobile=cleaned["mobile"],
                    text=_(
                        "Your application to join %(union)s was received. Check its status: %(url)s"
                    )
                    % {
                        "union": union.name,
                        "url": status_url.replace("RECEIPT", application.receipt),
                    },
                )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with what it created.
        replay = Application.objects.filter(submission_key=submission_key).first()
        if replay is not None:
            return Submitted(replay, replayed=True)
        raise
    return Submitted(application, replayed=False)


@transaction.atomic
def give_welcome_gift(*, actor: User, application: Application) -> Application:
    """Record that the applicant received the event's welcome gift (once, while stock lasts)."""
    require(actor, "members.recruit", application.org.path)
    if application.event_id is None:
        raise DomainError("no_event", _("This application did not come from an event."))
    if application.status == Application.Status.REJECTED:
        raise DomainError("application_rejected", _("This application was not approved."))
    if application.gift_given_at is not None:
        raise DomainError("gift_already_given", _("This applicant already received a gift."))
    taken = RecruitmentEvent.objects.filter(
        pk=application.event_id, gifts_given__lt=F("gift_stock")
    ).update(gifts_given=F("gifts_given") + 1)
    if not taken:
        raise DomainError("gifts_out", _("No welcome gifts are left for this event."))
    marked = Application.objects.filter(pk=application.pk, gift_given_at=None).update(
        gift_given_at=timezone.now()
    )
    if not marked:
        raise DomainError("gift_already_given", _("This applicant already received a gift."))
    application.refresh_from_db()
    audit.record(actor=actor, action="members.gift.given", org=application.org, target=application)
    return application


# --- review ----------------------------------------------------------------------------------


def _next_number(org: Org) -> str:
    """Readable member numbers: the union's id and a sequence within it (e.g. 000123-000045)."""
    sequence, _created = MemberSequence.objects.select_for_update().get_or_create(org=org)
    MemberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db()
    return f"{org.pk:06d}-{sequence.last:06d}"


def _link_account(member: Member) -> None:
    user = User.objects.filter(mobile_hash=member.mobile_hash, member=None).first()
    if user is not None:
        Member.objects.filter(pk=member.pk).update(user=user)


def _make_member(*, person: dict[str, Any], org: Org, joined_on: date, **extra: Any) -> Member:
    member = Member.objects.create(
        number=_next_number(org), org=org, joined_on=joined_on, **person, **extra
    )
    Episode.objects.create(
        member=member, org=org, employer_name=member.employer_name, started_on=joined_on
    )
    # The day's joins and the union's active members: one upsert statement.
    tallies.count_many(
        {(org.pk, joined_on, metrics.JOINED): 1, tallies.stock(org.pk, metrics.ACTIVE): 1}
    )
    _link_account(member)
    return member


def _rejoin(former: Member, *, person: dict[str, Any], org: Org, enterprise: Any) -> Member:
    """A former member comes back: the same membership record and number, a new episode."""
    today = timezone.localdate()
    for name, value in person.items():
        setattr(former, name, value)
    former.org = org
    former.enterprise = enterprise
    former.status = Member.Status.ACTIVE
    former.left_on = None
    former.leave_reason = ""
    former.card_version += 1
    former.version += 1
    former.save()
    Episode.objects.create(
        member=former, org=org, employer_name=former.employer_name, started_on=today
    )
    tallies.count_many(
        {(org.pk, today, metrics.JOINED): 1, tallies.stock(org.pk, metrics.ACTIVE): 1}
    )
    return former


def _approve(actor: User, application: Application) -> Member:
    current = Application.objects.select_for_update().select_related("org").get(pk=application.pk)
    require(actor, "members.review", current.org.path)
    if current.status != Application.Status.PENDING:
        raise ConflictError(
            "already_reviewed",
            _("%(name)s's application was already reviewed (%(status)s).")
            % {"name": current.name, "status": current.get_status_display()},
        )
    if current.anonymised_at is not None:
        raise ConflictError(
            "anonymised",
            _("This application was anonymised after its retention period; it cannot be approved."),
        )
    former = (
        Member.objects.select_for_update().filter(id_number_hash=current.id_number_hash).first()
    )
    if former is not None and former.is_active:
        raise DomainError(
            "duplicate_member",
            _("%(name)s is already a member (same ID number); reject this application.")
            % {"name": current.name},
        )
    person = {name: getattr(current, name) for name in PERSON_FIELDS}
    if former is not None:
        member = _rejoin(former, person=person, org=current.org, enterprise=current.enterprise)
    else:
        try:
            with transaction.atomic():
                member = _make_member(
                    person=person,
                    org=current.org,
                    joined_on=timezone.localdate(),
                    enterprise=current.enterprise,
                    recruitment_event=current.event,
                )
        except IntegrityError:
            # Another application of the same person was approved at the same moment.
            raise DomainError(
                "duplicate_member",
                _("%(name)s is already a member (same ID number); reject this application.")
                % {"name": current.name},
            ) from None
    reviewed_at = timezone.now()
    Application.objects.filter(pk=current.pk).update(
        status=Application.Status.APPROVED,
        reviewed_by=actor,
        reviewed_at=reviewed_at,
        member=member,
    )
    counts = {(current.org_id, tallies.local_day(reviewed_at), metrics.APPROVED): 1}
    if current.event_id is not None:
        # Recruited through an event, by job type: counted at the event's union on the day
        # the event starts (events are never moved), so the dashboards sum a period's events
        # without reading their applications.
        event_org, starts_at = (
            RecruitmentEvent.objects.filter(pk=current.event_id)
            .values_list("org_id", "starts_at")
            .get()
        )
        counts[(event_org, tallies.local_day(starts_at), metrics.recruited(current.job_type))] = 1
    tallies.count_many(counts)
    audit.record(
        actor=actor,
        action="members.application.approved",
        org=current.org,
        target=current,
        changes={"member": member.number},
    )
    send_sms_on_commit(
        mobile=str(current.mobile),
        text=_("Welcome to %(union)s! Your member number is %(number)s.")
        % {"union": current.org.name, "number": member.number},
    )
    return member


@transaction.atomic
def approve_application(*, actor: User, application: Application) -> Member:
    """Approve an application: the applicant becomes a member with a number (members.review)."""
    return _approve(actor, application)


def approve_applications(*, actor: User, applications: list[Application]) -> dict[str, Any]:
    """Bulk approval: each one in its own transaction, so one refusal does not undo the rest."""
    approved: list[Member] = []
    refused: list[tuple[Application, str]] = []
    for application in applications:
        try:
            with transaction.atomic():
                approved.append(_approve(actor, application))
        except DomainError as error:
            refused.append((application, str(error.message)))
    return {"approved": approved, "refused": refused}


@transaction.atomic
def reject_application(*, actor: User, application: Application, reason: str) -> Application:
    """Reject with a reason the applicant is told (members.review)."""
    current = Application.objects.select_for_update().select_related("org").get(pk=application.pk)
    require(actor, "members.review", current.org.path)
    if current.status != Application.Status.PENDING:
        raise ConflictError("already_reviewed", _("This application was already reviewed."))
    reason = reason.strip()
    if not reason:
        raise _field_error("reason", "reason_required", _("Say why, so the applicant knows."))
    Application.objects.filter(pk=current.pk).update(
        status=Application.Status.REJECTED,
        reject_reason=reason[:200],
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="members.application.rejected",
        org=current.org,
        target=current,
        changes={"reason": reason[:200]},
    )
    send_sms_on_commit(
        mobile=str(current.mobile),
        text=_("Your application to join %(union)s was not approved: %(reason)s")
        % {"union": current.org.name, "reason": reason[:200]},
    )
    return current


# --- members ---------------------------------------------------------------------------------


@transaction.atomic
def import_member(*, actor: User, org: Org, joined_on: date, **person: Any) -> Member:
    """Record an existing member from a roster (members.manage); see imports.py for bulk."""
    require(actor, "members.manage", org.path)
    cleaned = clean_person(person)
    if Member.objects.filter(
        id_number_hash=lookup_value("id_number", cleaned["id_number"])
    ).exists():
        raise _field_error("id_number", "already_member", _("This person is already a member."))
    member = _make_member(person=cleaned, org=org, joined_on=joined_on)
    audit.record(
        actor=actor,
        action="members.member.recorded",
        org=org,
        target=member,
        changes={"id_number": mask_id_number(cleaned["id_number"])},
    )
    return member


@transaction.atomic
def revoke_card(*, actor: User, member: Member, reason: str) -> Member:
    """Invalidate the member's current card (lost phone, misuse); a new one shows at once."""
    require(actor, "members.manage", member.org.path)
    if not member.is_active:
        raise ConflictError("not_active", _("This membership has ended; its card is void."))
    if not reason.strip():
        raise _field_error("reason", "reason_required", _("Give a reason."))
    Member.objects.filter(pk=member.pk).update(card_version=F("card_version") + 1)
    member.refresh_from_db()
    audit.record(
        actor=actor,
        action="members.card.revoked",
        org=member.org,
        target=member,
        changes={"version": member.card_version, "reason": reason.strip()[:200]},
    )
    return member


@transaction.atomic
def record_leaving(
    *, actor: User, member: Member, status: str, reason: str, left_on: date | None = None
) -> Member:
    """End a membership: withdrawn (on request), lapsed, deceased or transferred out of the
    system. Staff need members.manage; a member may withdraw themselves."""
    if status not in {s for s in Member.Status.values if s != Member.Status.ACTIVE}:
        raise DomainError("invalid_status", _("Unknown status."))
    is_self = member.user_id == actor.pk
    if not (is_self and status == Member.Status.WITHDRAWN):
        require(actor, "members.manage", member.org.path)
    current = Member.objects.select_for_update().get(pk=member.pk)
    if current.status != Member.Status.ACTIVE:
        raise ConflictError("not_active", _("This membership has already ended."))
    if not reason.strip():
        raise _field_error("reason", "reason_required", _("Give a reason."))
    left_on = left_on or timezone.localdate()
    Member.objects.filter(pk=current.pk).update(
        status=status,
        left_on=left_on,
        leave_reason=reason.strip()[:200],
        card_version=F("card_version") + 1,
        version=F("version") + 1,
    )
    ended = Episode.objects.filter(member=current, ended_on=None).update(ended_on=left_on)
    # Counted as the episodes it ends (one): the figure then matches what a rebuild reads.
    tallies.count_many(
        {
            (current.org_id, left_on, metrics.LEFT): ended,
            tallies.stock(current.org_id, metrics.ACTIVE): -1,
        }
    )
    Transfer.objects.filter(member=current, status=Transfer.Status.PENDING).update(
        status=Transfer.Status.CANCELLED, decided_at=timezone.now()
    )
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="members.member.left",
        org=current.org,
        target=current,
        changes={"status": status, "reason": reason.strip()[:200]},
    )
    return current


# --- consent (PIPL art. 15) -------------------------------------------------------------------


def consent_withdrawn_reason() -> str:
    return _("Consent to the processing of personal data withdrawn")


@transaction.atomic
def withdraw_consent(*, actor: User, member: Member | None) -> ConsentWithdrawal:
    """The worker withdraws their consent (only they may): their active membership ends as a
    withdrawal, their pending applications are withdrawn, the apps above cancel what is still
    to come (`signals.consent_withdrawn`), and every session of the account ends. A repeat
    with nothing left to end returns the earlier withdrawal."""
    if member is not None and member.user_id != actor.pk:
        raise DomainError("not_yours", _("This membership belongs to another account."))
    # One worker at a time: two presses of the button make one withdrawal.
    User.objects.select_for_update().filter(pk=actor.pk).get()
    pending = Application.objects.select_for_update().filter(status=Application.Status.PENDING)
    mine = Application.objects.none()
    if actor.mobile_hash:
        mine = pending.filter(mobile_hash=actor.mobile_hash)
    if member is not None and member.id_number_hash:
        mine = mine | pending.filter(id_number_hash=member.id_number_hash)
    pending_ids = sorted(set(mine.values_list("pk", flat=True)))
    active = member is not None and (
        Member.objects.filter(pk=member.pk, status=Member.Status.ACTIVE).exists()
    )
    earlier = ConsentWithdrawal.objects.filter(user=actor).order_by("-withdrawn_at").first()
    if earlier is not None and not active and not pending_ids:
        return earlier
    now = timezone.now()
    if active and member is not None:
        record_leaving(
            actor=actor,
            member=member,
            status=Member.Status.WITHDRAWN,
            reason=consent_withdrawn_reason(),
        )
    # Decided at the moment of withdrawal: the retention period of withdrawn applications
    # runs from here, as a rejected one's runs from its review.
    Application.objects.filter(pk__in=pending_ids).update(
        status=Application.Status.WITHDRAWN, reviewed_at=now
    )
    withdrawal = ConsentWithdrawal.objects.create(
        user=actor, member=member, withdrawn_at=now, applications_withdrawn=len(pending_ids)
    )
    cancelled = 0
    if member is not None:
        answers = consent_withdrawn.send(sender=Member, actor=actor, member=member)
        for _receiver, answer in answers:
            counted: object = answer  # each receiver returns how many rows it ended
            if isinstance(counted, int):
                cancelled += counted
    audit.record(
        actor=actor,
        action="members.consent.withdrawn",
        org=member.org if member is not None else None,
        target=actor,
        changes={
            "membership_ended": active,
            "applications_withdrawn": len(pending_ids),
            "registrations_cancelled": cancelled,
        },
    )
    sign_out_everywhere(actor=actor)
    return withdrawal


# --- transfers (会员关系接转) ------------------------------------------------------------------


@transaction.atomic
def start_transfer(*, actor: User, member: Member, to_org: Org, new_employer_name: str) -> Transfer:
    """Ask another union to take over a membership. Staff of the current union
    (members.manage) or the member themselves may ask."""
    is_self = member.user_id == actor.pk
    if not is_self:
        require(actor, "members.manage", member.org.path)
    if not member.is_active:
        raise ConflictError("not_active", _("This membership has ended."))
    if to_org.pk == member.org_id:
        raise _field_error("to_org", "same_union", _("The member already belongs to this union."))
    if to_org.kind == OrgKind.STATION or not to_org.is_active:
        raise _field_error("to_org", "wrong_org_kind", _("Choose a union that receives members."))
    if not new_employer_name.strip():
        raise _field_error(
            "new_employer_name", "employer_required", _("Name the new employer or platform.")
        )
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                member=member,
                from_org=member.org,
                to_org=to_org,
                new_employer_name=new_employer_name.strip()[:120],
                requested_by=actor,
            )
    except IntegrityError:
        raise ConflictError(
            "transfer_pending", _("A transfer of this membership is already waiting.")
        ) from None
    audit.record(
        actor=actor,
        action="members.transfer.requested",
        org=member.org,
        target=member,
        changes={"to": to_org.pk},
    )
    return transfer


@transaction.atomic
def accept_transfer(*, actor: User, transfer: Transfer) -> Member:
    """The receiving union takes the member over; membership continues without a gap."""
    current = (
        Transfer.objects.select_for_update().select_related("to_org", "member").get(pk=transfer.pk)
    )
    require(actor, "members.review", current.to_org.path)
    if current.status != Transfer.Status.PENDING:
        raise ConflictError("already_decided", _("This transfer was already decided."))
    member = Member.objects.select_for_update().get(pk=current.member_id)
    if not member.is_active:
        raise ConflictError("not_active", _("This membership has ended."))
    # One moment for the episodes, the decision and the tallies: all fall on the same day.
    now = timezone.now()
    today = timezone.localdate(now)
    Episode.objects.filter(member=member, ended_on=None).update(ended_on=today)
    Episode.objects.create(
        member=member,
        org=current.to_org,
        employer_name=current.new_employer_name,
        started_on=today,
    )
    # The member number stays: it identifies the person's membership, not the union. The
    # enterprise stays only when the employer does (e.g. the company founded its own union).
    same_employer = current.new_employer_name == member.employer_name
    Member.objects.filter(pk=member.pk).update(
        org=current.to_org,
        employer_name=current.new_employer_name,
        enterprise=member.enterprise if same_employer else None,
        has_employer_union=current.to_org.kind == OrgKind.ENTERPRISE,
        # The card names the union: the old one stops passing the online check.
        card_version=F("card_version") + 1,
        version=F("version") + 1,
    )
    Transfer.objects.filter(pk=current.pk).update(
        status=Transfer.Status.ACCEPTED, decided_by=actor, decided_at=now
    )
    # One statement, its rows in key order: two transfers crossing between the same two
    # unions lock their active-member rows in the same order, never in opposite ones.
    tallies.count_many(
        {
            (current.from_org_id, today, metrics.TRANSFERRED_OUT): 1,
            (current.to_org_id, today, metrics.TRANSFERRED_IN): 1,
            tallies.stock(current.from_org_id, metrics.ACTIVE): -1,
            tallies.stock(current.to_org_id, metrics.ACTIVE): 1,
        }
    )
    member.refresh_from_db()
    audit.record(
        actor=actor,
        action="members.transfer.accepted",
        org=current.to_org,
        target=member,
        changes={"from": current.from_org_id, "to": current.to_org_id},
    )
    send_sms_on_commit(
        mobile=str(member.mobile),
        text=_("Your membership moved to %(union)s; your member number stays %(number)s.")
        % {"union": current.to_org.name, "number": member.number},
    )
    return member


@transaction.atomic
def decline_transfer(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    """The receiving union declines; the member stays where they are."""
    current = Transfer.objects.select_for_update().select_related("to_org").get(pk=transfer.pk)
    require(actor, "members.review", current.to_org.path)
    if current.status != Transfer.Status.PENDING:
        raise ConflictError("already_decided", _("This transfer was already decided."))
    if not reason.strip():
        raise _field_error("reason", "reason_required", _("Give a reason."))
    Transfer.objects.filter(pk=current.pk).update(
        status=Transfer.Status.DECLINED,
        decline_reason=reason.strip()[:200],
        decided_by=actor,
        decided_at=timezone.now(),
    )
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="members.transfer.declined",
        org=current.to_org,
        target=current.member,
        changes={"reason": reason.strip()[:200]},
    )
    return current


def masked_person(member_or_application: Any) -> dict[str, str]:
    """What may appear in lists and audit entries."""
    return {
        "id_number": mask_id_number(str(member_or_application.id_number)),
        "mobile": mask_mobile(str(member_or_application.mobile)),
    }


# --- membership pages: audited reveals, linking the worker's account -------------------------

REVEALABLE_FIELDS = ("id_number", "mobile")


def reveal_personal_data(*, actor: User, person: Member | Application, field: str) -> str:
    """A member's or applicant's full ID or mobile number for someone holding
    personal_data.view over their union; every such read is audited (PIPL)."""
    require(actor, "personal_data.view", person.org.path)
    if field not in REVEALABLE_FIELDS:
        # The field is part of the page's address: another name is a page that does not exist.
        raise NotFoundError("invalid_field", _("Unknown field."))
    kind = "member" if isinstance(person, Member) else "application"
    audit.record(
        actor=actor,
        action=f"members.{kind}.personal_data_viewed",
        org=person.org,
        target=person,
        changes={"field": field},
    )
    return str(getattr(person, field))


@transaction.atomic
def record_number_search(*, actor: User, search: str, listing: str, within: Org | None) -> bool:
    """Audit a staff search by a whole mobile or ID number (`members.personal_data.searched`,
    the number masked): its answer tells whether that person is a member or an applicant.
    Returns whether the search was one; a partial number or a name is not audited."""
    number = number_in(search)
    if number is None:
        return False
    org = within or home_org_for(actor, "members.view")
    if org is None:
        raise NotFoundError("not_found", _("Not found."))
    require(actor, "members.view", org.path)
    field, value = number
    audit.record(
        actor=actor,
        action="members.personal_data.searched",
        org=org,
        changes={
            "field": field,
            "value": mask_mobile(value) if field == "mobile" else mask_id_number(value),
            "list": listing,
        },
    )
    return True


def link_membership_on_sign_in(*, user: User) -> None:
    """A worker approved before their first sign-in meets their membership when they sign in
    by SMS (`accounts.signals.worker_signed_in`): the code just proved they hold the mobile
    number it was recorded with. A membership linked to another account meanwhile stays so;
    the card page explains."""
    member = find_own_member(user)
    if member is not None and member.user_id is None:
        with suppress(DomainError):
            link_member_account(actor=user, member=member)


@transaction.atomic
def link_member_account(*, actor: User, member: Member) -> Member:
    """Link a membership to the worker's account on first use: the account signed in with the
    mobile number the membership was recorded with (approval links accounts that already
    existed; this covers workers who sign in for the first time after approval)."""
    from gonghui.core.errors import NotFoundError

    mobile_hash = getattr(actor, "mobile_hash", None)
    if not mobile_hash or member.mobile_hash != mobile_hash:
        raise NotFoundError("not_found", _("Not found."))
    if member.user_id == actor.pk:
        return member
    # The user=None guard keeps a concurrent link (or an account that already has a
    # membership, through the one-to-one) from taking over someone else's link.
    try:
        with transaction.atomic():
            linked = Member.objects.filter(pk=member.pk, user=None).update(user=actor)
    except IntegrityError:
        linked = 0
    if not linked:
        raise ConflictError("already_linked", _("This membership belongs to another account."))
    member.refresh_from_db()
    audit.record(actor=actor, action="members.member.account_linked", org=member.org, target=member)
    return member


# --- roster import ---------------------------------------------------------------------------

ROSTER_BATCH = 2_000


@transaction.atomic
def record_roster_members(*, actor: User, org: Org, people: list[dict[str, Any]]) -> int:
    """Record the people of an imported roster as members of `org` (members.manage).

    Each person is a `clean_person` result plus `joined_on` (and `id_number_hash` when the
    caller has it), already checked against existing members (the unique ID-number hash
    still stops a concurrent duplicate). Member numbers
    come as one block under one lock on the union's sequence; members and their first
    episodes are written in batches, each batch linking the accounts that sign in with the
    same mobile number, as approval does.
    """
    require(actor, "members.manage", org.path)
    if org.kind == OrgKind.STATION:
        raise DomainError(
            "wrong_org_kind", _("Members belong to a union, not to a station; choose a union.")
        )
    if not people:
        return 0
    from gonghui.accounts.models import User
    from gonghui.members.queries import among

    enterprise = (
        Enterprise.objects.filter(union=org).first() if org.kind == OrgKind.ENTERPRISE else None
    )
    sequence, _created = MemberSequence.objects.select_for_update().get_or_create(org=org)
    MemberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + len(people))
    sequence.refresh_from_db()
    first = sequence.last - len(people) + 1
    linked: set[int] = set()
    for start in range(0, len(people), ROSTER_BATCH):
        batch = people[start : start + ROSTER_BATCH]
        mobile_hashes = [lookup_value("mobile", person["mobile"]) for person in batch]
        accounts = dict(
            User.objects.filter(
                mobile_hash__in=among(list(set(mobile_hashes))), member=None
            ).values_list("mobile_hash", "pk")
        )
        rows = []
        for offset, (person, mobile_hash) in enumerate(zip(batch, mobile_hashes, strict=True)):
            user_id = accounts.get(mobile_hash)
            if user_id in linked:
                user_id = None  # two people on the roster share a phone: link the first
            elif user_id is not None:
                linked.add(user_id)
            row = {name: person[name] for name in PERSON_FIELDS}
            row["job_type_text"] = person.get("job_type_text", "")
            row["number"] = f"{org.pk:06d}-{first + start + offset:06d}"
            row["joined_on"] = person["joined_on"]
            row["user_id"] = user_id
            # The hashes are computed once: the importer's check has the ID number's.
            row["id_number_hash"] = person.get("id_number_hash") or lookup_value(
                "id_number", person["id_number"]
            )
            row["mobile_hash"] = mobile_hash
            rows.append(row)
        keys = _insert_rows(Member, {"org": org, "enterprise": enterprise}, rows)
        episodes = [
            {
                "member_id": key,
                "employer_name": row["employer_name"],
                "started_on": row["joined_on"],
            }
            for key, row in zip(keys, rows, strict=True)
        ]
        _insert_rows(Episode, {"org": org}, episodes)
    # Grouped by the day each member joined: one multi-row upsert, not a statement a member.
    joined = Counter(person["joined_on"] for person in people)
    tallies.count_many(
        {
            **{(org.pk, day, metrics.JOINED): n for day, n in joined.items()},
            tallies.stock(org.pk, metrics.ACTIVE): len(people),
        }
    )
    audit.record(
        actor=actor,
        action="members.roster.recorded",
        org=org,
        changes={"count": len(people), "first": f"{org.pk:06d}-{first:06d}"},
    )
    return len(people)


def _insert_rows(model: Any, fixed: dict[str, Any], rows: list[dict[str, Any]]) -> list[int]:
    """Insert new rows of `model`, each `fixed` plus one dict of {attname: value}; return their
    primary keys in order.

    Without a model instance per row or bulk_create's multi-row statements, several times
    faster for the 200,000 rows of a large roster: each value is prepared by its own field
    (encrypted, say) exactly as an INSERT would send it; the lookup hashes that the rows do not
    carry by their own pre_save; every other field holds the same value in every row and is
    prepared once. On PostgreSQL the keys come from the table's sequence first and the rows go
    in with COPY; on SQLite with one executemany, and the keys are the block that ends at
    last_insert_rowid(): the transaction holds SQLite's one write lock (the member sequence
    was updated above), so no other insert can fall between them.
    """
    from types import SimpleNamespace

    from django.db import connection

    from gonghui.core.fields import LookupHashField

    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    hashed = [f for f in fields if isinstance(f, LookupHashField) and f.attname not in rows[0]]
    given = [f for f in fields if f.attname in rows[0] and f not in hashed]
    same_fields = [f for f in fields if f not in given and f not in hashed]
    template = model(**fixed, **rows[0])
    same = tuple(f.get_db_prep_save(f.pre_save(template, True), connection) for f in same_fields)

    def values_of(row: dict[str, Any]) -> tuple[Any, ...]:
        values = [f.get_db_prep_save(row[f.attname], connection) for f in given]
        source: Any = SimpleNamespace(**row)  # what a hash field's pre_save reads
        return (*same, *values, *(f.pre_save(source, True) for f in hashed))

    quote = connection.ops.quote_name
    names = [quote(f.column) for f in [*same_fields, *given, *hashed]]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608 — the model's names
                [values_of(row) for row in rows],
            )
            cursor.execute("SELECT last_insert_rowid()")
            (last,) = cursor.fetchone()
            return list(range(last - len(rows) + 1, last + 1))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        keys: list[int] = [key for (key,) in cursor.fetchall()]
        columns = ", ".join([quote(meta.pk.column), *names])
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for key, row in zip(keys, rows, strict=True):
                copy.write_row((key, *values_of(row)))
    return keys


@transaction.atomic
def start_roster_import(
    *, actor: User, org: Org, upload: Any, column_map: dict[str, str] | None = None
) -> Any:
    """Upload a member roster for its dry run (imports.run and members.manage at `org`).
    `column_map` names the file's header for a column the importer does not recognise by
    itself ({"id_number": "证件号"}); it is in place before the queued check starts."""
    from gonghui.core.imports import start_import
    from gonghui.core.models import ImportJob
    from gonghui.core.spreadsheets import normalize_header

    job = start_import(actor=actor, org=org, kind="members", upload=upload)
    mapping = {
        field: normalize_header(header)
        for field, header in (column_map or {}).items()
        if normalize_header(header)
    }
    if mapping:
        ImportJob.objects.filter(pk=job.pk).update(column_map=mapping)
        job.column_map = mapping
    return job


@transaction.atomic
def start_member_export(
    *, actor: User, filters: Any, within: Org | None, unmasked: bool = False
) -> Any:
    """Queue the members list as .xlsx, written in the background with its progress
    (members.view, or members.export_personal for ID and mobile numbers in clear: at `within`,
    or anywhere for the whole scope). `filters` is a members.queries.MemberFilters."""
    from django.utils import translation

    from gonghui.core.errors import PermissionDeniedError
    from gonghui.members.exports import UNMASKED_CAPABILITY, filters_to_json
    from gonghui.members.models import MemberExport
    from gonghui.orgs.queries import scope_of

    capability: Capability = UNMASKED_CAPABILITY if unmasked else "members.view"
    if within is not None:
        require(actor, capability, within.path)
    else:
        paths = scope_of(actor, capability)
        if paths is not None and not paths:
            raise PermissionDeniedError(
                "permission_denied", _("You may not export the members list.")
            )
    export = MemberExport.objects.create(
        created_by=actor,
        within=within,
        filters=filters_to_json(filters),
        unmasked=unmasked,
        language=translation.get_language() or "zh-hans",
    )
    audit.record(
        actor=actor,
        action="members.export.requested",
        org=within,
        target=export,
        changes={"unmasked": unmasked},
    )
    from gonghui.members.tasks import run_member_export

    transaction.on_commit(lambda: run_member_export.enqueue(export.pk))
    return export
