"""Reads of the review mechanism: calls, entries and polls through the funnel, a juror's own
assignments, progress per juror, the jury ranking, and the tally log as published."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from gonghui.accounts.models import AnyUser
from gonghui.core.capabilities import Capability
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.reviews import scoring, tally_log
from gonghui.reviews.models import (
    Assignment,
    Attachment,
    Ballot,
    Call,
    Candidate,
    Criterion,
    Elector,
    Poll,
    Rubric,
    Score,
    Submission,
)


def _pk(value: int | str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def list_calls(user: AnyUser, capability: Capability, *, kinds: list[str]) -> QuerySet[Call]:
    return (
        Call.objects.visible_to(user, capability)
        .filter(kind__in=kinds)
        .select_related("org")
        .annotate(
            entries=Count("submissions", filter=Q(submissions__status=Submission.Status.SUBMITTED))
        )
    )


def get_call_for(user: AnyUser, call_id: int | str, capability: Capability) -> Call:
    call = (
        Call.objects.visible_to(user, capability)
        .select_related("org")
        .filter(pk=_pk(call_id))
        .first()
    )
    if call is None:
        raise Http404
    return call


def get_entry_for(user: AnyUser, entry_id: int | str, capability: Capability) -> Submission:
    entry = (
        Submission.objects.visible_to(user, capability)
        .select_related("call__org", "org", "author")
        .filter(pk=_pk(entry_id))
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def get_poll_for(user: AnyUser, poll_id: int | str, capability: Capability) -> Poll:
    poll = (
        Poll.objects.visible_to(user, capability)
        .select_related("call__org", "electorate_org")
        .filter(pk=_pk(poll_id))
        .first()
    )
    if poll is None:
        raise Http404
    return poll


def current_rubric(call: Call) -> Rubric | None:
    return call.rubrics.order_by("-version").first()


def list_criteria(call: Call) -> list[Criterion]:
    rubric = current_rubric(call)
    return list(rubric.criteria.all()) if rubric else []


def list_entries(call: Call, *, submitted_only: bool = True) -> QuerySet[Submission]:
    entries = Submission.objects.filter(call=call).select_related("call", "org", "author")
    if submitted_only:
        entries = entries.filter(status=Submission.Status.SUBMITTED)
    return entries.annotate(
        jurors=Count("assignments", distinct=True),
        scored=Count(
            "assignments", filter=Q(assignments__completed_at__isnull=False), distinct=True
        ),
    ).order_by("id")


def open_calls_for_member(member: Member, *, kinds: list[str]) -> list[Call]:
    """Calls taking entries from members that the member's union lies under."""
    from django.utils import timezone

    now = timezone.now()
    paths = [member.org.path[:end] for end in range(5, len(member.org.path) + 1, 5)]
    return list(
        Call.objects.filter(
            kind__in=kinds,
            audience=Call.Audience.MEMBERS,
            org__path__in=paths,
            submissions_open__lte=now,
            submissions_close__gt=now,
            review_started_at__isnull=True,
        ).select_related("org")
    )


def get_open_call(call_id: int | str, member: Member) -> Call:
    call = Call.objects.select_related("org").filter(pk=_pk(call_id)).first()
    if call is None or not member.org.path.startswith(call.org.path):
        raise Http404
    return call


def list_own_entries(member: Member, *, kinds: list[str]) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(author=member, call__kind__in=kinds)
        .select_related("call")
        .annotate(files=Count("attachments"))
        .order_by("-created_at")
    )


def get_own_entry(member: Member, entry_id: int | str) -> Submission:
    entry = (
        Submission.objects.select_related("call__org", "org")
        .filter(pk=_pk(entry_id), author=member)
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def list_attachments(entry: Submission) -> list[Attachment]:
    return list(entry.attachments.all())


def get_attachment(entry: Submission, attachment_id: int | str) -> Attachment:
    attachment = entry.attachments.filter(pk=_pk(attachment_id)).first()
    if attachment is None:
        raise Http404
    return attachment


def list_own_assignments(user: AnyUser, *, kinds: list[str]) -> QuerySet[Assignment]:
    if not user.is_authenticated:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(reviewer_id=user.pk, submission__call__kind__in=kinds)
        .exclude(submission__status=Submission.Status.WITHDRAWN)
        .select_related("submission__call", "submission__org", "submission__author")
        .order_by("completed_at", "submission__call_id", "submission_id")
    )


def get_own_assignment(user: AnyUser, assignment_id: int | str) -> Assignment:
    if not user.is_authenticated:
        raise Http404
    assignment = (
        Assignment.objects.select_related(
            "submission__call__org", "submission__org", "submission__author"
        )
        .filter(pk=_pk(assignment_id), reviewer_id=user.pk)
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def scores_of(assignment: Assignment) -> dict[int, Score]:
    return {s.criterion_id: s for s in assignment.scores.all()}


@dataclass(frozen=True)
class JurorProgress:
    reviewer_id: int
    name: str
    assigned: int
    done: int


def progress_by_juror(call: Call) -> list[JurorProgress]:
    rows = (
        Assignment.objects.filter(submission__call=call)
        .exclude(submission__status=Submission.Status.WITHDRAWN)
        .values("reviewer_id", "reviewer__name", "reviewer__username")
        .annotate(assigned=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False)))
        .order_by("reviewer__name", "reviewer_id")
    )
    return [
        JurorProgress(
            r["reviewer_id"],
            r["reviewer__name"] or r["reviewer__username"] or "",
            r["assigned"],
            r["done"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    entry: Submission
    jury_score: float | None
    jurors: int


def jury_ranking(call: Call) -> list[RankedEntry]:
    """The call's submitted entries ranked by jury score (see `scoring` for the method)."""
    criteria = list_criteria(call)
    rules = [scoring.Rule(c.pk, c.weight, c.min_score, c.max_score) for c in criteria]
    values: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for reviewer, entry, criterion, value in Score.objects.filter(
        assignment__submission__call=call,
        assignment__completed_at__isnull=False,
        assignment__submission__status=Submission.Status.SUBMITTED,
    ).values_list("assignment__reviewer_id", "assignment__submission_id", "criterion_id", "value"):
        values[(reviewer, entry)][criterion] = value
    totals: dict[int, dict[int, float]] = defaultdict(dict)
    jurors: dict[int, int] = defaultdict(int)
    for (reviewer, entry), scored in values.items():
        if all(rule.id in scored for rule in rules):
            totals[reviewer][entry] = scoring.total(rules, scored)
            jurors[entry] += 1
    jury = scoring.jury_scores(totals)
    entries = list(
        Submission.objects.filter(call=call, status=Submission.Status.SUBMITTED).select_related(
            "org", "author"
        )
    )
    entries.sort(key=lambda e: (e.pk not in jury, -jury.get(e.pk, 0.0), e.pk))
    return [
        RankedEntry(n, e, jury.get(e.pk), jurors.get(e.pk, 0)) for n, e in enumerate(entries, 1)
    ]


def log_entries(poll: Poll) -> list[dict[str, Any]]:
    """The tally log as sealed when the vote closed: one entry per ballot, in order, naming
    no one."""
    rows = (
        Ballot.objects.filter(poll=poll, seq__isnull=False)
        .order_by("seq")
        .values_list(
            "seq",
            "candidate__position",
            "receipt",
            "cast_at",
            "prev_hash",
            "entry_hash",
            "quarantine_reason",
        )
    )
    return [
        {
            "seq": seq,
            "candidate": position,
            "receipt": receipt,
            "cast_at": tally_log.minute_of(cast_at),
            "prev_hash": prev,
            "hash": entry_hash,
            "set_aside": reason,
        }
        for seq, position, receipt, cast_at, prev, entry_hash, reason in rows
    ]


def find_receipt(poll: Poll, receipt: str) -> dict[str, Any] | None:
    ballot = (
        Ballot.objects.filter(poll=poll, receipt=receipt.strip().upper()[:16])
        .select_related("candidate")
        .first()
    )
    if ballot is None:
        return None
    return {
        "seq": ballot.seq,
        "candidate": ballot.candidate.position,
        "hash": ballot.entry_hash,
        "set_aside": ballot.quarantine_reason,
    }


def list_candidates(poll: Poll) -> list[Candidate]:
    return list(poll.candidates.select_related("submission__org"))


def count_ballots(poll: Poll) -> int:
    return Ballot.objects.filter(poll=poll).count()


def own_ballot(poll: Poll, member: Member) -> Ballot | None:
    return (
        Ballot.objects.filter(poll=poll, member=member)
        .select_related("candidate__submission")
        .first()
    )


def is_elector(poll: Poll, member: Member) -> bool:
    return Elector.objects.filter(poll=poll, member=member).exists()


def get_public_poll(poll_id: int | str) -> Poll:
    poll = (
        Poll.objects.select_related("call__org")
        .exclude(status=Poll.Status.DRAFT)
        .filter(pk=_pk(poll_id))
        .first()
    )
    if poll is None:
        raise Http404
    return poll


@dataclass(frozen=True)
class SuspectGroup:
    signal: str
    value: str
    ballots: int
    quarantined: int


def suspect_groups(poll: Poll, *, at_least: int = 5) -> list[SuspectGroup]:
    """Networks and devices behind many ballots of one poll: the staff quarantine queue."""
    groups: list[SuspectGroup] = []
    for field, label in (("ip_hash", "network"), ("device_hash", "device")):
        rows = (
            Ballot.objects.filter(poll=poll)
            .exclude(**{field: ""})
            .values(field)
            .annotate(n=Count("id"), q=Count("id", filter=Q(quarantined_at__isnull=False)))
            .filter(n__gte=at_least)
            .order_by("-n")
        )
        groups += [SuspectGroup(label, r[field], r["n"], r["q"]) for r in rows]
    return groups


def ballots_with_signal(poll: Poll, signal: str, value: str) -> list[Ballot]:
    field = {"network": "ip_hash", "device": "device_hash"}.get(signal)
    if field is None:
        return []
    return list(Ballot.objects.filter(poll=poll, **{field: value}))


def list_polls(call: Call) -> list[Poll]:
    return list(call.polls.all())


def list_showcase(
    *, kinds: list[str], org_path: str = "", year: int | None = None
) -> QuerySet[Submission]:
    """Entries accepted or awarded, for the public showcase."""
    entries = Submission.objects.filter(
        call__kind__in=kinds,
        status=Submission.Status.SUBMITTED,
        decision__in=[
            Submission.Decision.ACCEPTED,
            Submission.Decision.AWARDED,
            Submission.Decision.SHORTLISTED,
        ],
        decided_at__isnull=False,
    ).select_related("call", "org", "author")
    if org_path:
        entries = entries.filter(org__path__startswith=org_path)
    if year:
        entries = entries.filter(call__results_on__year=year)
    return entries.annotate(
        photos=Count("attachments", filter=Q(attachments__kind="photo"))
    ).order_by("-call__results_on", "org__path", "-decision", "id")


def get_showcase_entry(entry_id: int | str, *, kinds: list[str]) -> Submission:
    entry = list_showcase(kinds=kinds).filter(pk=_pk(entry_id)).first()
    if entry is None:
        raise Http404
    return entry


def list_assignments(entry: Submission) -> list[Assignment]:
    return list(entry.assignments.select_related("reviewer").prefetch_related("scores"))


def list_set_aside(poll: Poll) -> list[dict[str, Any]]:
    """Ballots set aside, by reason: what is published with the result."""
    rows = (
        Ballot.objects.filter(poll=poll, quarantined_at__isnull=False)
        .values("quarantine_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "quarantine_reason")
    )
    return [{"reason": r["quarantine_reason"], "ballots": r["n"]} for r in rows]


@dataclass(frozen=True)
class ScoreRow:
    entry_title: str
    unit: str
    juror: str
    values: dict[int, int]
    comment: str


def score_rows(call: Call) -> list[ScoreRow]:
    assignments = (
        Assignment.objects.filter(submission__call=call, completed_at__isnull=False)
        .select_related("submission__org", "reviewer")
        .prefetch_related("scores")
        .order_by("submission_id", "reviewer_id")
    )
    return [
        ScoreRow(
            a.submission.title,
            a.submission.org.name,
            a.reviewer.name or a.reviewer.username or "",
            {s.criterion_id: s.value for s in a.scores.all()},
            a.comment,
        )
        for a in assignments
    ]


def co_author_numbers(entry: Submission) -> list[str]:
    return list(entry.co_authors.values_list("number", flat=True))


def list_open_polls_for(member: Member, *, kinds: list[str]) -> list[Poll]:
    """Open polls whose frozen electorate holds the member."""
    return list(
        Poll.objects.filter(
            status=Poll.Status.OPEN, call__kind__in=kinds, electors__member=member
        ).select_related("call")
    )


def get_candidate(poll: Poll, candidate_id: int | str) -> Candidate:
    candidate = poll.candidates.filter(pk=_pk(candidate_id)).first()
    if candidate is None:
        raise Http404
    return candidate


def org_path_of(org_id: int | str) -> str:
    return Org.objects.filter(pk=_pk(org_id)).values_list("path", flat=True).first() or ""
