"""Reads of volunteer service: staff lists through the funnel, a volunteer's shifts and
record, a shift's attendance (no-shows, late arrivals, missing departures) and the schedule's
coverage and gaps."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from gonghui.accounts.models import AnyUser
from gonghui.checkins.models import CheckIn, Registration
from gonghui.core.capabilities import Capability
from gonghui.core.tree import subtree_q
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.volunteers import hours
from gonghui.volunteers.models import (
    Certificate,
    Certification,
    Correction,
    Project,
    Shift,
    Site,
    Team,
    TeamMember,
)
from gonghui.volunteers.records import RecordRow, effective, record_rows

HOLDING = ("confirmed", "offered")


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- staff ---


def list_projects(user: AnyUser, org: Org | None) -> QuerySet[Project]:
    """The projects organised in the org's subtree (None: wherever the user may see them),
    newest first, with their shift count."""
    projects = Project.objects.visible_to(user, "volunteers.manage")
    if org is not None:
        projects = projects.filter(subtree_q("org__path", [org.path]))
    return (
        projects.select_related("org")
        .annotate(shift_count=Count("shifts"))
        .order_by("-created_at", "-pk")
    )


def get_project_for(user: AnyUser, project_id: int | str, capability: Capability) -> Project:
    try:
        return (
            Project.objects.visible_to(user, capability)
            .select_related("org")
            .get(pk=_pk(project_id))
        )
    except Project.DoesNotExist:
        raise Http404 from None


def get_shift_for(user: AnyUser, shift_id: int | str, capability: Capability) -> Shift:
    try:
        return (
            Shift.objects.visible_to(user, capability)
            .select_related("project__org", "site", "team", "checkpoint", "checkpoint__org")
            .get(pk=_pk(shift_id))
        )
    except Shift.DoesNotExist:
        raise Http404 from None


def list_shifts(project: Project) -> QuerySet[Shift]:
    return project.shifts.select_related("site", "team", "checkpoint").order_by(
        "starts_at", "group", "pk"
    )


@dataclass(frozen=True)
class Coverage:
    shift: Shift
    places: int
    filled: int
    team_members: int  # of those, members of the shift's team

    @property
    def gap(self) -> int:
        return max(self.places - self.filled, 0)


def coverage_of(project: Project) -> list[Coverage]:
    """Each shift's places, how many are taken and by how many of its team: the gaps (two
    queries)."""
    shifts = list(list_shifts(project))
    team_of = {s.checkpoint_id: s.team_id for s in shifts}
    in_team: dict[int, int] = defaultdict(int)
    rows = Registration.objects.filter(checkpoint_id__in=team_of, status__in=HOLDING)
    members_of_team = TeamMember.objects.filter(
        team_id__in={t for t in team_of.values() if t}
    ).values_list("team_id", "member_id")
    teams: dict[int, set[int]] = defaultdict(set)
    for team_id, member_id in members_of_team:
        teams[team_id].add(member_id)
    for checkpoint_id, member_id in rows.values_list("checkpoint_id", "member_id"):
        shift_team = team_of[checkpoint_id]
        if shift_team and member_id in teams[shift_team]:
            in_team[checkpoint_id] += 1
    return [
        Coverage(
            shift=s,
            places=s.places,
            filled=s.checkpoint.confirmed_places,
            team_members=in_team[s.checkpoint_id],
        )
        for s in shifts
    ]


@dataclass(frozen=True)
class AttendanceRow:
    member: Member
    signed_up: bool
    row: RecordRow | None  # None: no arrival, no certification
    no_show: bool


def attendance_of(shift: Shift, *, now: datetime | None = None) -> list[AttendanceRow]:
    """Everyone signed up or reported at a shift: arrival, departure, hours computed, late
    minutes, missing departures, no-shows (signed up, no arrival after the grace), certified
    or corrected minutes (five queries)."""
    now = now or timezone.now()
    signed = set(
        Registration.objects.filter(
            checkpoint_id=shift.checkpoint_id, status__in=HOLDING
        ).values_list("member_id", flat=True)
    )
    stays = {
        m: (arrived, left)
        for m, arrived, left in CheckIn.objects.filter(
            checkpoint_id=shift.checkpoint_id
        ).values_list("member_id", "checked_in_at", "left_at")
    }
    certifications = {c.member_id: c for c in shift.certifications.select_related("certified_by")}
    pending = set(
        shift.corrections.filter(status=Correction.Status.PENDING).values_list(
            "member_id", flat=True
        )
    )
    ids = signed | set(stays) | set(certifications)
    members = Member.objects.filter(pk__in=ids).only("pk", "name", "number", "user_id")
    started = now > shift.starts_at + hours.GRACE
    rows = []
    for member in sorted(members, key=lambda m: m.number):
        known = member.pk in stays or member.pk in certifications
        row = (
            effective(
                shift,
                stay=stays.get(member.pk),
                certification=certifications.get(member.pk),
                pending=member.pk in pending,
            )
            if known
            else None
        )
        rows.append(
            AttendanceRow(
                member=member,
                signed_up=member.pk in signed,
                row=row,
                no_show=started and member.pk not in stays and member.pk in signed,
            )
        )
    return rows


def pending_corrections(shift: Shift) -> QuerySet[Correction]:
    return shift.corrections.filter(status=Correction.Status.PENDING).select_related(
        "member", "requested_by"
    )


def get_correction(shift: Shift, correction_id: int | str) -> Correction:
    try:
        return shift.corrections.select_related("member").get(pk=_pk(correction_id))
    except Correction.DoesNotExist:
        raise Http404 from None


def get_member_on_shift(shift: Shift, member_id: int | str) -> Member:
    """A member who signed up or reported at the shift (404 for anyone else)."""
    pk = _pk(member_id)
    on_shift = Q(
        pk__in=Registration.objects.filter(checkpoint_id=shift.checkpoint_id).values("member_id")
    ) | Q(pk__in=CheckIn.objects.filter(checkpoint_id=shift.checkpoint_id).values("member_id"))
    try:
        return Member.objects.filter(on_shift).get(pk=pk)
    except Member.DoesNotExist:
        raise Http404 from None


# --- the volunteer ---


def list_open_shifts(*, on_or_after: date) -> QuerySet[Shift]:
    """Shifts of published projects from a day on, open to every active member."""
    return (
        Shift.objects.filter(
            project__status=Project.Status.PUBLISHED,
            ends_at__gte=timezone.make_aware(datetime.combine(on_or_after, datetime.min.time())),
        )
        .select_related("project__org", "site", "checkpoint")
        .order_by("starts_at", "group", "pk")
    )


def get_open_shift(shift_id: int | str) -> Shift:
    try:
        return (
            Shift.objects.filter(project__status=Project.Status.PUBLISHED)
            .select_related("project__org", "site", "checkpoint", "checkpoint__org")
            .get(pk=_pk(shift_id))
        )
    except Shift.DoesNotExist:
        raise Http404 from None


def get_shift_by_checkpoint(checkpoint_id: int) -> Shift:
    """The shift whose rotating code a volunteer scanned (a draft project's too: its answer
    says it is not published)."""
    try:
        return Shift.objects.select_related(
            "project__org", "site", "checkpoint", "checkpoint__org"
        ).get(checkpoint_id=checkpoint_id)
    except Shift.DoesNotExist:
        raise Http404 from None


def my_shift_ids(member: Member | None) -> set[int]:
    """The checkpoints of the shifts the member holds a place on."""
    if member is None:
        return set()
    return set(
        Registration.objects.filter(
            member=member, status__in=HOLDING, checkpoint__kind="shift"
        ).values_list("checkpoint_id", flat=True)
    )


def stay_of(shift: Shift, member: Member) -> tuple[datetime, datetime | None] | None:
    row = (
        CheckIn.objects.filter(checkpoint_id=shift.checkpoint_id, member=member)
        .values_list("checked_in_at", "left_at")
        .first()
    )
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class YearTotal:
    year: int
    minutes: int
    shifts: int

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:g}"


def record_of(member: Member) -> tuple[list[RecordRow], list[YearTotal]]:
    """The volunteer's record, newest first, with certified hours by year."""
    rows = record_rows(member)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.certified:
            totals[row.day.year][0] += row.minutes
            totals[row.day.year][1] += 1
    years = [YearTotal(y, m, n) for y, (m, n) in sorted(totals.items(), reverse=True)]
    return list(reversed(rows)), years


def my_certificates(member: Member) -> QuerySet[Certificate]:
    return Certificate.objects.filter(member=member).order_by("-issued_at")


def get_own_certificate(member: Member, serial: str) -> Certificate:
    try:
        return Certificate.objects.select_related("member").get(member=member, serial=serial)
    except Certificate.DoesNotExist:
        raise Http404 from None


def get_certificate(serial: str) -> Certificate:
    """A certificate by its serial, for the public verify page (after its signature)."""
    try:
        return Certificate.objects.select_related("member").get(serial=serial)
    except Certificate.DoesNotExist:
        raise Http404 from None


def organisers_of(member: Member, year: int) -> list[tuple[str, int]]:
    """Who certified the year's hours: each organiser with its minutes."""
    totals: dict[str, int] = defaultdict(int)
    for row in record_rows(member):
        if row.certified and row.day.year == year:
            totals[row.shift.project.org.name] += row.minutes
    return sorted(totals.items())


# --- sites and teams (staff) ---


def list_sites(user: AnyUser) -> QuerySet[Site]:
    return (
        Site.objects.visible_to(user, "volunteers.manage")
        .select_related("org")
        .order_by("org__path", "name", "pk")
    )


def list_teams(user: AnyUser) -> QuerySet[Team]:
    return (
        Team.objects.visible_to(user, "volunteers.manage")
        .select_related("org")
        .annotate(size=Count("memberships"))
        .order_by("org__path", "name", "pk")
    )


def get_site_for(user: AnyUser, site_id: int | str) -> Site:
    try:
        return Site.objects.visible_to(user, "volunteers.manage").get(pk=_pk(site_id))
    except Site.DoesNotExist:
        raise Http404 from None


def get_team_for(user: AnyUser, team_id: int | str) -> Team:
    try:
        return (
            Team.objects.visible_to(user, "volunteers.manage")
            .select_related("org")
            .get(pk=_pk(team_id))
        )
    except Team.DoesNotExist:
        raise Http404 from None


def list_team_members(team: Team) -> QuerySet[TeamMember]:
    return team.memberships.select_related("member").order_by("-is_leader", "member__number")


def find_member_by_number(user: AnyUser, number: str) -> Member | None:
    """A member in the user's scope (volunteers.manage) by member number."""
    return (
        Member.objects.visible_to(user, "volunteers.manage").filter(number=number.strip()).first()
    )


# --- a team leader's own view (a member, not necessarily staff) ---


def list_led_shifts(member: Member | None) -> QuerySet[Shift]:
    """The shifts of the teams the member leads, coming and past, by start."""
    if member is None:
        return Shift.objects.none()
    return (
        Shift.objects.filter(team__memberships__member=member, team__memberships__is_leader=True)
        .select_related("project__org", "site", "team", "checkpoint")
        .order_by("-starts_at", "group", "pk")
    )


def get_led_shift(member: Member | None, shift_id: int | str) -> Shift:
    """A shift of a team the member leads (404 for any other)."""
    try:
        return list_led_shifts(member).get(pk=_pk(shift_id))
    except Shift.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class TeamHours:
    team: str  # "" for shifts without a team
    volunteers: int
    minutes: int

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:g}"


def hours_by_team(project: Project) -> list[TeamHours]:
    """The project's certified hours by the shifts' team, with how many people earned them
    (one query)."""
    rows = (
        Certification.objects.filter(shift__project=project)
        .values("shift__team__name")
        .annotate(people=Count("member", distinct=True), minutes=Sum("minutes"))
        .order_by("shift__team__name")
    )
    return [
        TeamHours(row["shift__team__name"] or "", row["people"], row["minutes"] or 0)
        for row in rows
    ]
