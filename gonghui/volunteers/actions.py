"""Volunteer service: teams, sites, projects and shifts (volunteers.manage); sign-up, swap and
cancel (the volunteer); reporting for duty and departure through the check-in mechanism;
certifying hours and deciding corrections (a leader, never for their own hours).

The volunteer's own actions take the `member` (like checkins.register): no staff actor is
involved and the Registration or CheckIn row is their record. Staff actions are actor-first,
checked and audited.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.checkins.verdict import ScanResult, refused
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.scoping import permits, require
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import check_free_text
from gonghui.members.models import Member
from gonghui.orgs import tallies
from gonghui.orgs.models import Org
from gonghui.volunteers import hours, metrics
from gonghui.volunteers.models import (
    Certificate,
    Certification,
    Correction,
    Project,
    Reminder,
    Shift,
    Site,
    Team,
    TeamMember,
)
from gonghui.volunteers.records import record_rows

LIVE = ("pending", "confirmed", "waitlisted", "offered")


def _line(text: str, field: str) -> str:
    return check_free_text(text.strip(), field=field, multiline=False)


def _local(at: datetime, pattern: str = "%m-%d %H:%M") -> str:
    return timezone.localtime(at).strftime(pattern)


# --- teams, sites, projects, shifts (volunteers.manage) ---


@transaction.atomic
def create_team(*, actor: User, org: Org, name: str, kind: str = Team.Kind.UNION) -> Team:
    require(actor, "volunteers.manage", org.path)
    team = Team.objects.create(org=org, name=_line(name, "name"), kind=kind)
    audit.record(actor=actor, action="volunteers.team.created", org=org, target=team)
    return team


@transaction.atomic
def add_team_member(*, actor: User, team: Team, member: Member, leader: bool = False) -> TeamMember:
    """Add a member (a union member, staff included when they hold a membership) to a team."""
    require(actor, "volunteers.manage", team.org.path)
    if not member.is_active:
        raise ConflictError("not_active", _("This membership has ended."))
    if TeamMember.objects.filter(team=team, member=member).exists():
        raise ConflictError("already_in_team", _("Already in this team."))
    joined = TeamMember.objects.create(team=team, member=member, is_leader=leader)
    audit.record(
        actor=actor,
        action="volunteers.team.member_added",
        org=team.org,
        target=team,
        changes={"member": member.pk, "leader": leader},
    )
    return joined


@transaction.atomic
def create_site(
    *,
    actor: User,
    org: Org,
    name: str,
    kind: str,
    address: str,
    contact: str = "",
    station_checkpoint: Checkpoint | None = None,
) -> Site:
    """A service site; a station is named by its checkpoint (the one a station has)."""
    require(actor, "volunteers.manage", org.path)
    if station_checkpoint is not None and station_checkpoint.kind != Checkpoint.Kind.STATION:
        raise DomainError("not_a_station", _("This checkpoint is not a station's."))
    site = Site.objects.create(
        org=org,
        name=_line(name, "name"),
        kind=kind,
        address=_line(address, "address"),
        contact=_line(contact, "contact"),
        station_checkpoint=station_checkpoint,
    )
    audit.record(actor=actor, action="volunteers.site.created", org=org, target=site)
    return site


@transaction.atomic
def create_project(
    *,
    actor: User,
    org: Org,
    title: str,
    description: str = "",
    publish: bool = False,
    cutoff_hours: int = 24,
) -> Project:
    require(actor, "volunteers.manage", org.path)
    project = Project.objects.create(
        org=org,
        title=_line(title, "title"),
        description=description.strip(),
        status=Project.Status.PUBLISHED if publish else Project.Status.DRAFT,
        cutoff_hours=cutoff_hours,
    )
    audit.record(actor=actor, action="volunteers.project.created", org=org, target=project)
    return project


@transaction.atomic
def publish_project(*, actor: User, project: Project) -> Project:
    require(actor, "volunteers.manage", project.org.path)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PUBLISHED)
    audit.record(
        actor=actor, action="volunteers.project.published", org=project.org, target=project
    )
    project.refresh_from_db()
    return project


@transaction.atomic
def add_shift(
    *,
    actor: User,
    project: Project,
    site: Site,
    group: str,
    tasks: str,
    starts_at: datetime,
    ends_at: datetime,
    places: int,
    team: Team | None = None,
) -> Shift:
    """A shift: one group at one site in one time slot, with its places. Its checkpoint takes
    sign-ups until the start (no waiting list) and reports for duty from OPENS_BEFORE the start
    to CLOSES_AFTER the end (departures)."""
    require(actor, "volunteers.manage", project.org.path)
    if ends_at <= starts_at:
        message = _("A shift must end after it starts.")
        raise DomainError("ends_before_start", message, fields={"ends_at": [message]})
    if ends_at - starts_at > timedelta(minutes=hours.DAILY_CAP_MINUTES):
        message = _("A shift lasts at most %(n)d hours.") % {"n": hours.DAILY_CAP_MINUTES // 60}
        raise DomainError("over_daily_cap", message, fields={"ends_at": [message]})
    if places < 1:
        message = _("A shift needs at least one place.")
        raise DomainError("no_places", message, fields={"places": [message]})
    group = _line(group, "group")
    checkpoint = Checkpoint.objects.create(
        org=project.org,
        kind=Checkpoint.Kind.SHIFT,
        title=f"{project.title} · {group}"[:120],
        opens_at=starts_at - hours.OPENS_BEFORE,
        closes_at=ends_at + hours.CLOSES_AFTER,
        registration_closes_at=starts_at,
        requires_registration=True,
        capacity=places,
        records_departures=True,
    )
    shift = Shift.objects.create(
        project=project,
        site=site,
        team=team,
        group=group,
        tasks=_line(tasks, "tasks"),
        starts_at=starts_at,
        ends_at=ends_at,
        places=places,
        checkpoint=checkpoint,
    )
    audit.record(actor=actor, action="volunteers.shift.created", org=project.org, target=shift)
    return shift


# --- sign-up, swap, cancel (the volunteer) ---


def _live_shifts(member: Member) -> Any:
    return Shift.objects.filter(
        checkpoint__registrations__member=member,
        checkpoint__registrations__status__in=LIVE,
    )


def _check_schedule(member: Member, shift: Shift, *, leaving: Shift | None = None) -> None:
    """Refuse a shift that overlaps one the member holds, or that takes their scheduled time on
    its day over the daily cap. The caller holds the member's row lock (one sign-up of a
    person at a time)."""
    held = _live_shifts(member).exclude(pk=shift.pk)
    if leaving is not None:
        held = held.exclude(pk=leaving.pk)
    clash = (
        held.filter(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at)
        .select_related("site")
        .first()
    )
    if clash is not None:
        raise ConflictError(
            "overlapping",
            _("This overlaps your shift at %(site)s, %(start)s–%(end)s.")
            % {
                "site": clash.site.name,
                "start": _local(clash.starts_at),
                "end": _local(clash.ends_at, "%H:%M"),
            },
        )
    day = timezone.localdate(shift.starts_at)
    same_day = [s for s in held if timezone.localdate(s.starts_at) == day]
    scheduled = sum(int((s.ends_at - s.starts_at).total_seconds() // 60) for s in same_day)
    wanted = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
    if scheduled + wanted > hours.DAILY_CAP_MINUTES:
        raise ConflictError(
            "over_daily_cap",
            _("This would make %(total)s hours on %(day)s: at most %(cap)d hours a day count.")
            % {
                "total": f"{(scheduled + wanted) / 60:g}",
                "day": day.strftime("%m-%d"),
                "cap": hours.DAILY_CAP_MINUTES // 60,
            },
        )


def _lock_member(member: Member) -> None:
    """One schedule change of a person at a time: two overlapping sign-ups sent at once are
    judged one after the other."""
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).get()


@transaction.atomic
def sign_up(*, member: Member, shift: Shift) -> Registration:
    """The volunteer takes a place on a shift: refused when it is full (never a waiting list),
    overlaps a shift they hold, or takes their day over the cap; nothing is written then."""
    if shift.project.status != Project.Status.PUBLISHED:
        raise NotFoundError("not_found", _("Not found."))
    _lock_member(member)
    _check_schedule(member, shift)
    registration = checkins.register(member=member, checkpoint=shift.checkpoint, waiting_list=False)
    tallies.count(shift.project.org_id, metrics.SIGN_UPS, on=registration.created_at)
    return registration


def _live_registration(member: Member, shift: Shift) -> Registration:
    registration = Registration.objects.filter(
        checkpoint=shift.checkpoint, member=member, status__in=LIVE
    ).first()
    if registration is None:
        raise ConflictError("not_signed_up", _("You are not signed up for this shift."))
    return registration


def _before_cutoff(shift: Shift, now: datetime) -> None:
    cutoff = shift.starts_at - timedelta(hours=shift.project.cutoff_hours)
    if now > cutoff:
        raise ConflictError(
            "past_cutoff",
            _("Changes were possible until %(time)s; ask your team leader.")
            % {"time": _local(cutoff)},
        )


@transaction.atomic
def cancel_sign_up(*, actor: User, member: Member, shift: Shift) -> Registration:
    """The volunteer (signed in as `actor`) gives their place back, before the cut-off."""
    if member.user_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    _lock_member(member)
    _before_cutoff(shift, timezone.now())
    registration = _live_registration(member, shift)
    return checkins.cancel_registration(actor=actor, registration=registration)


@transaction.atomic
def swap_shift(*, actor: User, member: Member, leaving: Shift, joining: Shift) -> Registration:
    """Give up one shift for another in one step, before the cut-off of the one left: either
    both happen or neither (a full or overlapping shift refuses, the old place stays)."""
    if member.user_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    if joining.project.status != Project.Status.PUBLISHED:
        raise NotFoundError("not_found", _("Not found."))
    _lock_member(member)
    _before_cutoff(leaving, timezone.now())
    registration = _live_registration(member, leaving)
    _check_schedule(member, joining, leaving=leaving)
    checkins.cancel_registration(actor=actor, registration=registration)
    joined = checkins.register(member=member, checkpoint=joining.checkpoint, waiting_list=False)
    tallies.count(joining.project.org_id, metrics.SIGN_UPS, on=joined.created_at)
    return joined


def send_reminders(*, on: date) -> int:
    """Text everyone with a confirmed place on a shift starting on `on` (tomorrow's, from the
    daily command), once per person and shift; returns how many were sent."""
    sent = 0
    shifts = Shift.objects.filter(
        project__status=Project.Status.PUBLISHED,
        starts_at__date=on,
    ).select_related("site", "project")
    for shift in shifts:
        with transaction.atomic():
            places = Registration.objects.filter(
                checkpoint=shift.checkpoint, status=Registration.Status.CONFIRMED
            ).select_related("member")
            reminded = set(Reminder.objects.filter(shift=shift).values_list("member_id", flat=True))
            for registration in places:
                member = registration.member
                if member.pk in reminded or not member.mobile:
                    continue
                Reminder.objects.create(shift=shift, member=member)
                send_sms_on_commit(
                    mobile=str(member.mobile),
                    text=_(
                        "Reminder: your volunteer shift “%(project)s” (%(group)s) at %(site)s, "
                        "%(address)s, %(start)s–%(end)s. Scan the shift's code when you arrive "
                        "and when you leave."
                    )
                    % {
                        "project": shift.project.title,
                        "group": shift.group,
                        "site": shift.site.name,
                        "address": shift.site.address,
                        "start": _local(shift.starts_at),
                        "end": _local(shift.ends_at, "%H:%M"),
                    },
                )
                sent += 1
    return sent


# --- reporting for duty (报到) and departure ---


def _turned_away(
    member: Member | None, shift: Shift, at: datetime, *, departure: bool
) -> ScanResult | None:
    """Why nobody reports for duty at this shift now, before the mechanism's own rules: a
    draft project, an arrival after the shift ended, or a volunteer whose shift now is at
    another site (they stand at the wrong place)."""
    if shift.project.status != Project.Status.PUBLISHED:
        return refused("not_published", _("This project is not published."), member)
    if not departure and at > shift.ends_at:
        return refused(
            "shift_over",
            _("This shift ended at %(time)s: arrivals are no longer taken.")
            % {"time": _local(shift.ends_at, "%H:%M")},
            member,
        )
    if member is None or departure:
        return None
    mine = Registration.objects.filter(
        checkpoint=shift.checkpoint, member=member, status__in=("confirmed", "offered")
    ).exists()
    if mine:
        return None
    elsewhere = (
        _live_shifts(member)
        .filter(starts_at__lte=at + hours.OPENS_BEFORE, ends_at__gte=at)
        .exclude(site=shift.site)
        .select_related("site")
        .first()
    )
    if elsewhere is not None:
        return refused(
            "wrong_site",
            _("Wrong site: your shift now is at %(site)s (%(address)s).")
            % {"site": elsewhere.site.name, "address": elsewhere.site.address},
            member,
        )
    return None


def report_by_code(
    *, member: Member | None, shift: Shift, code: str, departure: bool, at: datetime | None = None
) -> ScanResult:
    """The volunteer scanned the shift's rotating code on arrival or on leaving."""
    at = at or timezone.now()
    away = _turned_away(member, shift, at, departure=departure)
    if departure:
        return checkins.check_out_by_screen(
            member=member, checkpoint=shift.checkpoint, code=code, at=at, turned_away=away
        )
    return checkins.check_in_by_screen(
        member=member, checkpoint=shift.checkpoint, code=code, at=at, turned_away=away
    )


def report_by_card(
    *, actor: User, shift: Shift, card_code: str, departure: bool, at: datetime | None = None
) -> ScanResult:
    """The leader's desk (checkins.scan) scanned the volunteer's member card."""
    at = at or timezone.now()
    away = _turned_away(None, shift, at, departure=departure)
    if departure:
        return checkins.check_out_by_card(
            actor=actor, checkpoint=shift.checkpoint, card_code=card_code, at=at, turned_away=away
        )
    return checkins.check_in_by_card(
        actor=actor, checkpoint=shift.checkpoint, card_code=card_code, at=at, turned_away=away
    )


def upload_reports(
    *, actor: User, shift: Shift, device: str, items: list[checkins.BatchItem]
) -> list[dict[str, Any]]:
    """A site's offline scans (arrivals and departures), idempotent by nonce."""
    away = _turned_away(None, shift, timezone.now(), departure=True)
    return checkins.upload_batch(
        actor=actor,
        checkpoint=shift.checkpoint,
        device=f"volunteers:{shift.pk}:{device}",
        items=items,
        turned_away=away,
    )


# --- certifying hours and corrections (a leader) ---


def may_lead(user: User, shift: Shift) -> bool:
    """Staff with volunteers.manage at the organiser, or a leader of the shift's team."""
    if permits(user, "volunteers.manage", shift.project.org.path):
        return True
    if shift.team_id is None or not user.is_authenticated:
        return False
    return TeamMember.objects.filter(
        team_id=shift.team_id, is_leader=True, member__user=user
    ).exists()


def _require_leader(actor: User, shift: Shift) -> None:
    if not may_lead(actor, shift):
        raise NotFoundError("not_found", _("Not found."))


def _credited_that_day(member: Member, day: date, *, leaving_out: Shift) -> int:
    """Minutes already credited to the member on a local day, other shifts only."""
    rows = Certification.objects.filter(member=member).exclude(shift=leaving_out)
    same_day = [
        minutes
        for starts_at, minutes in rows.values_list("shift__starts_at", "minutes")
        if timezone.localdate(starts_at) == day
    ]
    return sum(same_day)


@dataclass(frozen=True)
class Stay:
    arrived_at: datetime
    left_at: datetime | None


def _stay(shift: Shift, member: Member) -> Stay | None:
    row = (
        CheckIn.objects.filter(checkpoint=shift.checkpoint, member=member)
        .values_list("checked_in_at", "left_at")
        .first()
    )
    return Stay(*row) if row else None


@transaction.atomic
def certify_hours(*, actor: User, shift: Shift, member: Member) -> Certification:
    """A leader certifies one volunteer's hours on a shift, computed from the recorded arrival
    and departure (hours.of_stay) and capped per day. Refused for one's own hours, without an
    arrival or a departure, and a second time."""
    _require_leader(actor, shift)
    if member.user_id is not None and member.user_id == actor.pk:
        raise PermissionDeniedError(
            "own_hours", _("You cannot certify your own hours: another leader must.")
        )
    if Certification.objects.filter(shift=shift, member=member).exists():
        raise ConflictError("already_certified", _("These hours are already certified."))
    stay = _stay(shift, member)
    if stay is None:
        raise ConflictError("no_arrival", _("No arrival recorded: nothing to certify."))
    if stay.left_at is None:
        raise ConflictError(
            "missing_departure",
            _("No departure recorded: request a correction with the departure time first."),
        )
    computed = hours.of_stay(
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        arrived_at=stay.arrived_at,
        left_at=stay.left_at,
    )
    day = timezone.localdate(shift.starts_at)
    minutes = hours.capped(
        computed.credited, already_that_day=_credited_that_day(member, day, leaving_out=shift)
    )
    return _certify(
        actor, shift, member, arrived_at=stay.arrived_at, left_at=stay.left_at, minutes=minutes
    )


def _certify(
    actor: User,
    shift: Shift,
    member: Member,
    *,
    arrived_at: datetime,
    left_at: datetime,
    minutes: int,
    correction: Correction | None = None,
) -> Certification:
    """Write the one certification of a stay and count its minutes on the shift's day."""
    certification = Certification.objects.create(
        shift=shift,
        member=member,
        arrived_at=arrived_at,
        left_at=left_at,
        minutes=minutes,
        certified_by=actor,
    )
    tallies.count(shift.project.org_id, metrics.MINUTES, minutes, on=shift.starts_at)
    audit.record(
        actor=actor,
        action="volunteers.hours.certified",
        org=shift.project.org,
        target=certification,
        changes={"minutes": minutes, "correction": correction.pk if correction else None},
    )
    return certification


@transaction.atomic
def request_correction(
    *,
    actor: User,
    shift: Shift,
    member: Member,
    arrived_at: datetime,
    left_at: datetime,
    reason: str,
) -> Correction:
    """The volunteer (for their own record) or a leader asks to correct a stay's times before
    they are certified (a forgotten departure, a scan that failed). The times must lie in the
    shift's reporting window, the departure after the arrival, the day's credited hours
    within the cap. Nothing changes until someone else approves: approving certifies the
    corrected times. Certified hours are final."""
    if member.user_id != actor.pk:
        _require_leader(actor, shift)
    if Certification.objects.filter(shift=shift, member=member).exists():
        raise ConflictError(
            "already_certified", _("These hours are already certified: they are final.")
        )
    if left_at <= arrived_at:
        message = _("The departure (%(left)s) is before the arrival (%(arrived)s).") % {
            "left": _local(left_at, "%H:%M"),
            "arrived": _local(arrived_at, "%H:%M"),
        }
        raise DomainError("left_before_arrival", message, fields={"left_at": [message]})
    window_start = shift.starts_at - hours.OPENS_BEFORE
    window_end = shift.ends_at + hours.CLOSES_AFTER
    if arrived_at < window_start or left_at > window_end:
        message = _("Times must lie between %(start)s and %(end)s.") % {
            "start": _local(window_start),
            "end": _local(window_end),
        }
        raise DomainError("outside_window", message, fields={"arrived_at": [message]})
    reason = _line(reason, "reason")
    if not reason:
        message = _("Say why the times are wrong.")
        raise DomainError("reason_required", message, fields={"reason": [message]})
    computed = hours.of_stay(
        starts_at=shift.starts_at, ends_at=shift.ends_at, arrived_at=arrived_at, left_at=left_at
    )
    day = timezone.localdate(shift.starts_at)
    already = _credited_that_day(member, day, leaving_out=shift)
    if already + computed.credited > hours.DAILY_CAP_MINUTES:
        raise ConflictError(
            "over_daily_cap",
            _("That would credit %(total)s hours on %(day)s: at most %(cap)d hours a day.")
            % {
                "total": f"{(already + computed.credited) / 60:g}",
                "day": day.strftime("%m-%d"),
                "cap": hours.DAILY_CAP_MINUTES // 60,
            },
        )
    correction = Correction.objects.create(
        shift=shift,
        member=member,
        arrived_at=arrived_at,
        left_at=left_at,
        minutes=computed.credited,
        reason=reason,
        requested_by=actor,
    )
    audit.record(
        actor=actor,
        action="volunteers.correction.requested",
        org=shift.project.org,
        target=correction,
        changes={"arrived_at": arrived_at, "left_at": left_at, "reason": reason},
    )
    return correction


@transaction.atomic
def decide_correction(*, actor: User, correction: Correction, approve: bool) -> Correction:
    """A leader approves or rejects a correction: never the volunteer, never the requester.
    Approving certifies the corrected times (the check-in itself stays as it was scanned)."""
    current = (
        Correction.objects.select_for_update()
        .select_related("shift__project__org", "member")
        .get(pk=correction.pk)
    )
    shift = current.shift
    _require_leader(actor, shift)
    if actor.pk in {current.member.user_id, current.requested_by_id}:
        raise PermissionDeniedError(
            "own_correction",
            _("Someone other than the volunteer and the requester must decide this."),
        )
    if current.status != Correction.Status.PENDING:
        raise ConflictError("already_decided", _("This correction was already decided."))
    if approve and Certification.objects.filter(shift=shift, member=current.member).exists():
        raise ConflictError(
            "already_certified", _("These hours are already certified: they are final.")
        )
    status = Correction.Status.APPROVED if approve else Correction.Status.REJECTED
    Correction.objects.filter(pk=current.pk).update(
        status=status, decided_by=actor, decided_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action="volunteers.correction.decided",
        org=shift.project.org,
        target=current,
        changes={"status": status},
    )
    if approve:
        day = timezone.localdate(shift.starts_at)
        already = _credited_that_day(current.member, day, leaving_out=shift)
        _certify(
            actor,
            shift,
            current.member,
            arrived_at=current.arrived_at,
            left_at=current.left_at,
            minutes=hours.capped(current.minutes, already_that_day=already),
            correction=current,
        )
    current.refresh_from_db()
    return current


# --- certificates (the volunteer's own) ---


def certified_minutes(member: Member, year: int) -> tuple[int, int]:
    """(minutes, shifts) certified to the member in a local year."""
    rows = [row for row in record_rows(member) if row.day.year == year and row.certified]
    return sum(row.minutes for row in rows), len(rows)


@transaction.atomic
def issue_certificate(*, actor: User, member: Member, year: int) -> Certificate:
    """The volunteer issues themselves a certificate of a year's certified hours."""
    if member.user_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    minutes, shifts = certified_minutes(member, year)
    if shifts == 0:
        raise ConflictError(
            "nothing_certified", _("No certified hours in %(year)d.") % {"year": year}
        )
    return Certificate.objects.create(member=member, year=year, minutes=minutes, shifts=shifts)
