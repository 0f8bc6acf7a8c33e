"""Every state change of the review mechanism: calls and their rubrics, entries and their
attachments, jurors and their scores, decisions, and polls with their ballots.

Staff actions need `reviews.manage` at the call's org; a juror acts on their own assignment;
a member on their own entry and their own ballot.
"""

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.core import audit, ratelimits
from gonghui.core.capabilities import Capability
from gonghui.core.crypto import lookup_hash
from gonghui.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.images import prepare_photo
from gonghui.core.scoping import require
from gonghui.core.text import check_fields
from gonghui.core.tree import subtree_q
from gonghui.core.uploads import JPEG, MP4, PDF, PNG, FileKind, check_upload
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.reviews import scoring, tally_log
from gonghui.reviews.models import (
    Assignment,
    Attachment,
    Ballot,
    Call,
    Candidate,
    Conflict,
    Criterion,
    Elector,
    Poll,
    Rubric,
    Score,
    Submission,
)
from gonghui.reviews.queries import current_rubric, jury_ranking, log_entries

MANAGE: Capability = "reviews.manage"
ATTACHMENT_KINDS = {"photo", "document", "video"}


def _refuse(code: str, message: str, field: str | None = None) -> DomainError:
    return DomainError(code, message, fields={field: [message]} if field else None)


# Calls and rubrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CallDetails:
    kind: str
    title: str
    description: str
    submissions_open: datetime
    submissions_close: datetime
    review_closes: datetime
    results_on: date
    audience: str = Call.Audience.MEMBERS
    categories: tuple[tuple[str, str], ...] = ()
    form_fields: tuple[dict[str, Any], ...] = ()
    attachment_kinds: tuple[str, ...] = ("photo", "document")
    max_attachments: int = 6
    max_attachment_bytes: int = 20 * 1024 * 1024
    anonymous_review: bool = False


@transaction.atomic
def create_call(*, actor: User, org: Org, details: CallDetails) -> Call:
    """Open a call at an org (reviews.manage there)."""
    require(actor, MANAGE, org.path)
    check_fields(
        {"title": details.title, "description": details.description},
        lines=["title"],
        texts=["description"],
    )
    if not details.submissions_open < details.submissions_close <= details.review_closes:
        raise _refuse(
            "dates_out_of_order",
            _("Submissions must open before they close, and close before review closes."),
            "submissions_close",
        )
    if not set(details.attachment_kinds) <= ATTACHMENT_KINDS:
        raise _refuse("invalid_choice", _("Choose one of the options."), "attachment_kinds")
    call = Call.objects.create(
        org=org,
        kind=details.kind,
        title=details.title.strip(),
        description=details.description.strip(),
        audience=details.audience,
        categories=[list(pair) for pair in details.categories],
        form_fields=list(details.form_fields),
        attachment_kinds=list(details.attachment_kinds),
        max_attachments=details.max_attachments,
        max_attachment_bytes=details.max_attachment_bytes,
        anonymous_review=details.anonymous_review,
        submissions_open=details.submissions_open,
        submissions_close=details.submissions_close,
        review_closes=details.review_closes,
        results_on=details.results_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="reviews.call.created",
        org=org,
        target=call,
        changes={"kind": call.kind},
    )
    return call


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: int
    max_score: int
    min_score: int = 0
    description: str = ""


@transaction.atomic
def set_rubric(*, actor: User, call: Call, criteria: list[CriterionSpec]) -> Rubric:
    """Save a new version of the call's rubric (reviews.manage). Refused once review started:
    scores already given would no longer mean what the jurors meant."""
    require(actor, MANAGE, call.org.path)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.review_started_at is not None:
        raise ConflictError(
            "rubric_frozen", _("Review has started: the rubric can no longer change.")
        )
    if not criteria:
        raise _refuse("rubric_empty", _("A rubric needs at least one criterion."), "criteria")
    for spec in criteria:
        check_fields(
            {"name": spec.name, "description": spec.description}, lines=["name", "description"]
        )
        if spec.weight < 1 or spec.max_score <= spec.min_score or not spec.name.strip():
            raise _refuse(
                "invalid_criterion",
                _(
                    "%(name)s: a criterion needs a name, a weight of at least 1 and a highest "
                    "score above its lowest."
                )
                % {"name": spec.name or "—"},
                "criteria",
            )
    last = call.rubrics.order_by("-version").first()
    rubric = Rubric.objects.create(
        call=call, version=(last.version + 1) if last else 1, created_by=actor
    )
    Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            position=position,
            name=spec.name.strip(),
            description=spec.description.strip(),
            weight=spec.weight,
            min_score=spec.min_score,
            max_score=spec.max_score,
        )
        for position, spec in enumerate(criteria, start=1)
    )
    audit.record(
        actor=actor,
        action="reviews.rubric.versioned",
        org=call.org,
        target=call,
        changes={"version": rubric.version, "criteria": len(criteria)},
    )
    return rubric


@transaction.atomic
def start_review(*, actor: User, call: Call) -> Call:
    """Start the review (reviews.manage): submissions close and the rubric freezes."""
    require(actor, MANAGE, call.org.path)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.review_started_at is not None:
        raise ConflictError("review_started", _("Review has already started."))
    if current_rubric(call) is None:
        raise DomainError("no_rubric", _("Set the rubric before review starts."))
    call.review_started_at = timezone.now()
    call.save(update_fields=["review_started_at"])
    audit.record(actor=actor, action="reviews.review.started", org=call.org, target=call)
    return call


# Submissions ---------------------------------------------------------------------------------


def _accepting(call: Call) -> None:
    now = timezone.now()
    if now < call.submissions_open:
        raise DomainError("submissions_not_open", _("Submissions have not opened yet."))
    if now >= call.submissions_close or call.review_started_at is not None:
        raise DomainError(
            "submissions_closed",
            _("Submissions closed on %(when)s.")
            % {
                "when": timezone.localtime(
                    min(call.submissions_close, call.review_started_at or call.submissions_close)
                ).strftime("%Y-%m-%d %H:%M")
            },
        )


@dataclass(frozen=True)
class EntryDetails:
    title: str
    summary: str
    category: str = ""
    answers: dict[str, str] | None = None
    co_authors: tuple[Member, ...] = ()
    nominee: str = ""


def _check_entry(call: Call, details: EntryDetails) -> None:
    check_fields(
        {"title": details.title, "summary": details.summary, "nominee": details.nominee},
        lines=["title"],
        texts=["summary"],
        names=["nominee"],
    )
    if not details.title.strip():
        raise _refuse("required", _("This field is required."), "title")
    if not details.summary.strip():
        raise _refuse("required", _("This field is required."), "summary")
    if call.categories and details.category not in {v for v, _label in call.categories}:
        raise _refuse("invalid_choice", _("Choose one of the options."), "category")
    answers = details.answers or {}
    for field in call.form_fields:
        if field.get("required") and not str(answers.get(field["name"], "")).strip():
            raise _refuse("required", _("This field is required."), field["name"])


def _new_code() -> str:
    return secrets.token_hex(3).upper()


@transaction.atomic
def save_entry(
    *,
    actor: User,
    member: Member,
    call: Call,
    details: EntryDetails,
    submit: bool,
    entry: Submission | None = None,
) -> Submission:
    """A member saves their entry as a draft or submits it; edits are allowed until the
    deadline. The caller found `member` as the actor's own membership."""
    if call.audience != Call.Audience.MEMBERS:
        raise DomainError("members_cannot_enter", _("Entries to this call come from unions."))
    if not member.is_active or not member.org.path.startswith(call.org.path):
        raise NotFoundError("not_found", _("Not found."))
    _accepting(call)
    _check_entry(call, details)
    for co_author in details.co_authors:
        if co_author.pk == member.pk or not co_author.is_active:
            raise _refuse(
                "invalid_co_author",
                _("Co-authors are other active members."),
                "co_authors",
            )
    if entry is None:
        entry = Submission(
            call=call, org=member.org, author=member, created_by=actor, code=_new_code()
        )
    else:
        entry = Submission.objects.select_for_update().get(pk=entry.pk)
        if entry.author_id != member.pk:
            raise NotFoundError("not_found", _("Not found."))
        if entry.status == Submission.Status.WITHDRAWN:
            raise ConflictError("entry_withdrawn", _("This entry was withdrawn."))
    entry.title = details.title.strip()
    entry.summary = details.summary.strip()
    entry.category = details.category
    entry.answers = details.answers or {}
    if submit and entry.status == Submission.Status.DRAFT:
        entry.status = Submission.Status.SUBMITTED
        entry.submitted_at = timezone.now()
    entry.save()
    entry.co_authors.set(details.co_authors)
    return entry


@transaction.atomic
def nominate(*, actor: User, call: Call, unit: Org, details: EntryDetails) -> Submission:
    """A union nominates someone to a call for nominations (reviews.manage at the union,
    which lies in the call's subtree)."""
    require(actor, MANAGE, unit.path)
    if call.audience != Call.Audience.UNITS or not unit.path.startswith(call.org.path):
        raise NotFoundError("not_found", _("Not found."))
    _accepting(call)
    _check_entry(call, details)
    if not details.nominee.strip():
        raise _refuse("required", _("This field is required."), "nominee")
    entry = Submission.objects.create(
        call=call,
        org=unit,
        nominee=details.nominee.strip(),
        title=details.title.strip(),
        summary=details.summary.strip(),
        category=details.category,
        answers=details.answers or {},
        status=Submission.Status.SUBMITTED,
        submitted_at=timezone.now(),
        created_by=actor,
        code=_new_code(),
    )
    audit.record(actor=actor, action="reviews.entry.nominated", org=unit, target=entry)
    return entry


def _own_open_entry(actor: User, entry: Submission) -> Submission:
    entry = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("call", "author")
        .get(pk=entry.pk)
    )
    if entry.author is None or entry.author.user_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    if entry.status == Submission.Status.WITHDRAWN:
        raise ConflictError("entry_withdrawn", _("This entry was withdrawn."))
    _accepting(entry.call)
    return entry


@transaction.atomic
def add_attachment(*, actor: User, entry: Submission, upload: UploadedFile[Any]) -> Attachment:
    """The author attaches a photo, PDF or MP4 video until the deadline, within the call's
    number and size limits. The kind is read from the content, never from the name."""
    entry = _own_open_entry(actor, entry)
    call = entry.call
    if entry.attachments.count() >= call.max_attachments:
        raise _refuse(
            "too_many_attachments",
            _("An entry carries at most %(n)d attachments.") % {"n": call.max_attachments},
            "upload",
        )
    kinds: list[FileKind] = []
    if "photo" in call.attachment_kinds:
        kinds += [JPEG, PNG]
    if "document" in call.attachment_kinds:
        kinds.append(PDF)
    if "video" in call.attachment_kinds:
        kinds.append(MP4)
    found = check_upload(upload, kinds=tuple(kinds), max_bytes=call.max_attachment_bytes)
    if found in (PDF,):
        kind, content, extension = Attachment.Kind.DOCUMENT, upload.read(), "pdf"
    elif found is MP4:
        kind, content, extension = Attachment.Kind.VIDEO, upload.read(), "mp4"
    else:
        kind, content, extension = Attachment.Kind.PHOTO, prepare_photo(upload).content, "jpg"
    attachment = Attachment(
        submission=entry,
        kind=kind,
        original_name=(upload.name or "")[:200],
        size=len(content),
    )
    attachment.stored_name = f"{secrets.token_hex(8)}.{extension}"
    attachment.file.save(attachment.stored_name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def withdraw_entry(*, actor: User, entry: Submission) -> Submission:
    """The author withdraws their entry before the deadline; it leaves the review."""
    entry = _own_open_entry(actor, entry)
    entry.status = Submission.Status.WITHDRAWN
    entry.save(update_fields=["status", "updated_at"])
    return entry


# Jurors -------------------------------------------------------------------------------------


def conflict_reason(reviewer: User, entry: Submission) -> str | None:
    """Why this juror may not review this entry, or None: their own entry, an entry of their
    own union or of a union above or below it, or a unit they declared a conflict with."""
    # No ordering: members sort by number, and ordering a one-row lookup by it makes SQLite
    # walk the number index instead of the user's.
    own = next(
        iter(Member.objects.filter(user=reviewer).select_related("org").order_by()[:1]), None
    )
    if entry.author is not None and entry.author.user_id == reviewer.pk:
        return str(_("It is their own entry."))
    if entry.co_authors.filter(user=reviewer).exists():
        return str(_("It is their own entry."))
    entry_path = entry.org.path
    if own is not None and (
        entry_path.startswith(own.org.path) or own.org.path.startswith(entry_path)
    ):
        return str(_("The entry comes from their own union."))
    declared = Conflict.objects.filter(call_id=entry.call_id, reviewer=reviewer).select_related(
        "org"
    )
    for conflict in declared:
        if entry_path.startswith(conflict.org.path):
            return str(_("Declared conflict: %(reason)s") % {"reason": conflict.reason})
    return None


@transaction.atomic
def declare_conflict(*, actor: User, call: Call, reviewer: User, org: Org, reason: str) -> Conflict:
    """Record a juror's conflict with a unit (reviewers.manage); existing assignments to its
    entries not yet scored are removed."""
    require(actor, MANAGE, call.org.path)
    check_fields({"reason": reason}, lines=["reason"])
    if not reason.strip():
        raise _refuse("reason_required", _("State the reason."), "reason")
    conflict, _created = Conflict.objects.get_or_create(
        call=call, reviewer=reviewer, org=org, defaults={"reason": reason.strip()}
    )
    Assignment.objects.filter(
        submission__call=call, reviewer=reviewer, completed_at__isnull=True
    ).filter(subtree_q("submission__org__path", [org.path])).delete()
    audit.record(
        actor=actor,
        action="reviews.conflict.declared",
        org=call.org,
        target=call,
        changes={"reviewer": reviewer.pk, "unit": org.pk},
    )
    return conflict


def _assign(actor: User, entry: Submission, reviewer: User) -> Assignment:
    reason = conflict_reason(reviewer, entry)
    if reason is not None:
        raise ConflictError(
            "conflict_of_interest",
            _("%(juror)s may not review this entry: %(reason)s")
            % {"juror": reviewer.name or reviewer.username, "reason": reason},
        )
    assignment, _created = Assignment.objects.get_or_create(
        submission=entry, reviewer=reviewer, defaults={"assigned_by": actor}
    )
    return assignment


@transaction.atomic
def assign_reviewer(*, actor: User, entry: Submission, reviewer: User) -> Assignment:
    """Assign a juror to an entry by hand (reviews.manage); refused on a conflict."""
    require(actor, MANAGE, entry.call.org.path)
    if entry.status != Submission.Status.SUBMITTED:
        raise ConflictError("entry_not_submitted", _("Only submitted entries are reviewed."))
    assignment = _assign(actor, entry, reviewer)
    audit.record(
        actor=actor,
        action="reviews.juror.assigned",
        org=entry.call.org,
        target=entry,
        changes={"reviewer": reviewer.pk},
    )
    return assignment


@transaction.atomic
def assign_balanced(*, actor: User, call: Call, jurors: list[User], per_entry: int) -> int:
    """Give every submitted entry `per_entry` jurors without a conflict, each time the one
    with the fewest entries so far (ties by the order given), so the load is even. Returns
    the number of new assignments. Entries for which too few jurors are free get what there is."""
    require(actor, MANAGE, call.org.path)
    if per_entry < 1 or not jurors:
        raise _refuse("invalid_number", _("Choose at least one juror per entry."), "per_entry")
    entries = list(
        Submission.objects.filter(call=call, status=Submission.Status.SUBMITTED)
        .select_related("org", "author", "call")
        .order_by("id")
    )
    load: Counter[int] = Counter(
        Assignment.objects.filter(submission__call=call).values_list("reviewer_id", flat=True)
    )
    made = 0
    for entry in entries:
        have = set(entry.assignments.values_list("reviewer_id", flat=True))
        free = [j for j in jurors if j.pk not in have and conflict_reason(j, entry) is None]
        free.sort(key=lambda j: load[j.pk])
        for juror in free[: max(0, per_entry - len(have))]:
            Assignment.objects.create(submission=entry, reviewer=juror, assigned_by=actor)
            load[juror.pk] += 1
            made += 1
    audit.record(
        actor=actor,
        action="reviews.juror.assigned_balanced",
        org=call.org,
        target=call,
        changes={"jurors": len(jurors), "per_entry": per_entry, "assignments": made},
    )
    return made


@transaction.atomic
def score_entry(
    *,
    actor: User,
    assignment: Assignment,
    values: dict[int, int],
    comments: dict[int, str] | None = None,
    comment: str = "",
) -> Assignment:
    """The assigned juror scores every criterion of the frozen rubric, with comments; they
    may revise until review closes. Each value must lie in its criterion's range."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("submission__call", "submission__org", "submission__author")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer_id != actor.pk:
        raise NotFoundError("not_found", _("Not found."))
    entry = assignment.submission
    call = entry.call
    if call.review_started_at is None:
        raise DomainError("review_not_started", _("Review has not started yet."))
    if timezone.now() >= call.review_closes:
        raise DomainError("review_closed", _("Review has closed."))
    reason = conflict_reason(actor, entry)
    if reason is not None:
        raise PermissionDeniedError("conflict_of_interest", reason)
    rubric = current_rubric(call)
    assert rubric is not None  # review cannot start without one
    criteria = list(rubric.criteria.all())
    comments = comments or {}
    check_fields(
        {"comment": comment, **{str(k): v for k, v in comments.items()}},
        texts=["comment", *map(str, comments)],
    )
    for criterion in criteria:
        value = values.get(criterion.pk)
        field = f"c{criterion.pk}"
        if value is None:
            raise _refuse("score_missing", _("Score every criterion."), field)
        if not criterion.min_score <= value <= criterion.max_score:
            raise _refuse(
                "score_out_of_range",
                _("%(criterion)s is scored from %(low)d to %(high)d.")
                % {
                    "criterion": criterion.name,
                    "low": criterion.min_score,
                    "high": criterion.max_score,
                },
                field,
            )
    unknown = set(values) - {c.pk for c in criteria}
    if unknown:
        raise _refuse(
            "unknown_criterion", _("A score for a criterion not in the rubric."), "criteria"
        )
    for criterion in criteria:
        Score.objects.update_or_create(
            assignment=assignment,
            criterion=criterion,
            defaults={
                "value": values[criterion.pk],
                "comment": comments.get(criterion.pk, "").strip()[:500],
            },
        )
    assignment.comment = comment.strip()
    assignment.completed_at = timezone.now()
    assignment.save(update_fields=["comment", "completed_at"])
    audit.record(
        actor=actor,
        action="reviews.entry.scored",
        org=call.org,
        target=entry,
        changes={"scores": {c.name: values[c.pk] for c in criteria}},
    )
    return assignment


@transaction.atomic
def decide(
    *, actor: User, entry: Submission, decision: str, reason: str, award_level: str = ""
) -> Submission:
    """Record the decision on an entry with its reason (reviews.manage): not accepted,
    accepted, shortlisted, or awarded with a level."""
    require(actor, MANAGE, entry.call.org.path)
    entry = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("call__org")
        .get(pk=entry.pk)
    )
    check_fields({"reason": reason, "award_level": award_level}, lines=["reason", "award_level"])
    if decision not in Submission.Decision.values or not decision:
        raise _refuse("invalid_choice", _("Choose one of the options."), "decision")
    if entry.status != Submission.Status.SUBMITTED:
        raise ConflictError("entry_not_submitted", _("Only submitted entries are decided."))
    if not reason.strip():
        raise _refuse("reason_required", _("State the reason."), "reason")
    if decision == Submission.Decision.AWARDED and not award_level.strip():
        raise _refuse("award_level_required", _("Name the award level."), "award_level")
    before = {"decision": entry.decision, "award_level": entry.award_level}
    entry.decision = decision
    entry.award_level = award_level.strip() if decision == Submission.Decision.AWARDED else ""
    entry.decision_reason = reason.strip()
    entry.decided_at = timezone.now()
    entry.save(
        update_fields=["decision", "award_level", "decision_reason", "decided_at", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="reviews.entry.decided",
        org=entry.call.org,
        target=entry,
        changes=audit.diff(before, {"decision": entry.decision, "award_level": entry.award_level})
        | {"reason": entry.decision_reason},
    )
    return entry


# Polls ---------------------------------------------------------------------------------------


@transaction.atomic
def create_poll(
    *,
    actor: User,
    call: Call,
    electorate_org: Org,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    jury_weight: int,
    vote_weight: int,
) -> Poll:
    """Set up a public vote over the call's shortlist (reviews.manage), its weights published
    from now on. The electorate is the active members of `electorate_org`'s subtree."""
    require(actor, MANAGE, call.org.path)
    require(actor, MANAGE, electorate_org.path)
    check_fields({"title": title}, lines=["title"])
    if jury_weight < 0 or vote_weight < 0 or jury_weight + vote_weight != 100:
        raise _refuse(
            "weights_not_100", _("The jury and vote weights add up to 100."), "vote_weight"
        )
    if opens_at >= closes_at:
        raise _refuse("dates_out_of_order", _("The vote must open before it closes."), "closes_at")
    poll = Poll.objects.create(
        call=call,
        electorate_org=electorate_org,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        jury_weight=jury_weight,
        vote_weight=vote_weight,
    )
    audit.record(
        actor=actor,
        action="reviews.poll.created",
        org=call.org,
        target=poll,
        changes={"jury_weight": jury_weight, "vote_weight": vote_weight},
    )
    return poll


@transaction.atomic
def open_poll(*, actor: User, poll: Poll) -> Poll:
    """Open the vote (reviews.manage): the shortlisted entries become the candidates and the
    electorate is frozen: the members active in the subtree now, and no one added later."""
    require(actor, MANAGE, poll.call.org.path)
    poll = Poll.objects.select_for_update().select_related("electorate_org").get(pk=poll.pk)
    if poll.status != Poll.Status.DRAFT:
        raise ConflictError("poll_already_open", _("This vote has already opened."))
    shortlist = list(
        Submission.objects.filter(
            call_id=poll.call_id,
            status=Submission.Status.SUBMITTED,
            decision=Submission.Decision.SHORTLISTED,
        ).order_by("id")
    )
    if not shortlist:
        raise DomainError("empty_shortlist", _("Shortlist entries before the vote opens."))
    Candidate.objects.bulk_create(
        Candidate(poll=poll, submission=entry, position=n) for n, entry in enumerate(shortlist, 1)
    )
    electorate = (
        Member.objects.order_by()
        .filter(status=Member.Status.ACTIVE)
        .filter(subtree_q("org__path", [poll.electorate_org.path]))
    )
    size = _freeze_electorate(poll, electorate.values_list("pk", flat=True))
    poll.status = Poll.Status.OPEN
    poll.frozen_at = timezone.now()
    poll.electorate_size = size
    poll.save(update_fields=["status", "frozen_at", "electorate_size"])
    audit.record(
        actor=actor,
        action="reviews.poll.opened",
        org=poll.call.org,
        target=poll,
        changes={"candidates": len(shortlist), "electorate": size},
    )
    return poll


def _freeze_electorate(poll: Poll, member_ids: Any) -> int:
    """One INSERT … SELECT: the snapshot is taken by the database in one statement."""
    sql, params = member_ids.query.sql_with_params()
    table = connection.ops.quote_name(Elector._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (poll_id, member_id) SELECT %s, sub.pk FROM ({sql}) sub",  # noqa: S608 - names are ours, values are parameters
            (poll.pk, *params),
        )
        return int(cursor.rowcount)


@dataclass(frozen=True)
class Signals:
    """What the request tells about where a ballot came from (kept as keyed hashes)."""

    ip: str = ""
    device: str = ""


def _receipt() -> str:
    # 10 characters of an alphabet without look-alikes: 32¹⁰ ≈ 10¹⁵, unguessable in a poll.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _n in range(10))


def _refuse_second_ballot(poll_id: int, member: Member) -> None:
    earlier = Ballot.objects.filter(poll_id=poll_id, member=member).order_by().values("receipt")[:1]
    for row in earlier:
        raise ConflictError(
            "already_voted",
            _("You have already voted; your receipt is %(receipt)s.") % {"receipt": row["receipt"]},
        )


@transaction.atomic
def cast_ballot(
    *,
    actor: User,
    member: Member,
    poll: Poll,
    candidate: Candidate,
    signals: Signals,
    at: datetime | None = None,
) -> Ballot:
    """A member of the frozen electorate votes once: final at the first tap, with a receipt.
    Two taps from two devices race to one unique (poll, member) row: the second is refused
    with the first one's receipt. Ballots are chained into the tally log when the vote
    closes. `at` is the clock (pages and the API leave it; the demo replays a past vote)."""
    if member.user_id != actor.pk or candidate.poll_id != poll.pk:
        raise NotFoundError("not_found", _("Not found."))
    # The electorate is frozen, and a double tap that slips past the check for an earlier
    # ballot is stopped by the unique row.
    if not Elector.objects.filter(poll_id=poll.pk, member=member).exists():
        raise PermissionDeniedError(
            "not_in_electorate",
            _("Only members on the electorate frozen when the vote opened can vote."),
        )
    _refuse_second_ballot(poll.pk, member)
    if signals.ip:
        ratelimits.take(
            "vote.ip", f"{poll.pk}:{signals.ip}", reason=_("Too many votes from this network.")
        )
    now = at or timezone.now()
    ip_hash = lookup_hash("vote.ip", signals.ip) if signals.ip else ""
    device_hash = lookup_hash("vote.device", signals.device) if signals.device else ""
    status, opens_at, closes_at = _poll_for_share(poll.pk)
    if status == Poll.Status.DRAFT or now < opens_at:
        raise DomainError("poll_not_open", _("The vote has not opened yet."))
    if status != Poll.Status.OPEN or now >= closes_at:
        raise DomainError("poll_closed", _("The vote has closed."))
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                poll=poll,
                member=member,
                candidate=candidate,
                receipt=_receipt(),
                cast_at=now.replace(second=0, microsecond=0),
                ip_hash=ip_hash,
                device_hash=device_hash,
            )
    except IntegrityError:  # the unique row is the last word, whatever got past the checks
        _refuse_second_ballot(poll.pk, member)
        raise ConflictError("already_voted", _("You have already voted.")) from None
    return ballot


def _poll_for_share(poll_id: int) -> tuple[str, datetime, datetime]:
    """The poll's state, its row held in share mode until the ballot commits: ballots do not
    wait for each other, and closing (which takes the row for update) waits for every ballot
    in flight, so no ballot commits after the log is sealed. (SQLite has one writer at a time.)"""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Poll._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [poll_id])  # noqa: S608 - the name is ours, the value a parameter
    return Poll.objects.filter(pk=poll_id).values_list("status", "opens_at", "closes_at").get()


def _seal(poll: Poll) -> None:
    """Chain the poll's ballots into the tally log in the order they were cast (the caller
    holds the poll's row, so none is in flight)."""
    prev = tally_log.GENESIS
    ballots = list(Ballot.objects.filter(poll=poll).select_related("candidate").order_by("id"))
    for seq, ballot in enumerate(ballots, start=1):
        ballot.seq = seq
        ballot.prev_hash = prev
        ballot.entry_hash = prev = tally_log.entry_hash(
            prev_hash=prev,
            poll=poll.pk,
            seq=seq,
            candidate=ballot.candidate.position,
            receipt=ballot.receipt,
            cast_at=tally_log.minute_of(ballot.cast_at),
        )
    # One prepared UPDATE for every row (bulk_update's CASE per column took a minute for 20,000).
    table = connection.ops.quote_name(Ballot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET seq = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",  # noqa: S608 - the name is ours, values parameters
            [(b.seq, b.prev_hash, b.entry_hash, b.pk) for b in ballots],
        )
    poll.ballots_cast = len(ballots)
    poll.head_hash = prev if ballots else ""


@transaction.atomic
def close_poll(*, actor: User, poll: Poll) -> Poll:
    """Close the vote (reviews.manage): no ballot is taken after this, and the ballots are
    sealed into the tally log, its head hash fixed."""
    require(actor, MANAGE, poll.call.org.path)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.OPEN:
        raise ConflictError("poll_not_open", _("The vote is not open."))
    poll.status = Poll.Status.CLOSED
    if poll.closes_at > timezone.now():
        poll.closes_at = timezone.now()
    _seal(poll)
    poll.save(update_fields=["status", "closes_at", "ballots_cast", "head_hash"])
    audit.record(
        actor=actor,
        action="reviews.poll.closed",
        org=poll.call.org,
        target=poll,
        changes={"ballots": poll.ballots_cast},
    )
    return poll


@transaction.atomic
def quarantine_ballots(*, actor: User, poll: Poll, ballots: list[Ballot], reason: str) -> int:
    """Set ballots aside as suspected brushing (刷票) with a stated reason (reviews.manage),
    before the result is published. They stay in the log, marked with the reason, and are
    not counted."""
    require(actor, MANAGE, poll.call.org.path)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    check_fields({"reason": reason}, lines=["reason"])
    if not reason.strip():
        raise _refuse("reason_required", _("State the reason."), "reason")
    if poll.status == Poll.Status.PUBLISHED:
        raise ConflictError("result_published", _("The result is published; nothing can change."))
    ids = [b.pk for b in ballots if b.poll_id == poll.pk]
    changed = Ballot.objects.filter(pk__in=ids, quarantined_at__isnull=True).update(
        quarantined_at=timezone.now(), quarantine_reason=reason.strip()[:200], quarantined_by=actor
    )
    audit.record(
        actor=actor,
        action="reviews.ballots.quarantined",
        org=poll.call.org,
        target=poll,
        changes={"ballots": changed, "reason": reason.strip()},
    )
    return changed


@transaction.atomic
def publish_result(*, actor: User, poll: Poll) -> Poll:
    """Publish the result of a closed vote (reviews.manage): the counts recounted from the
    tally log itself, the set-aside ballots with their reasons, and the final scores by the
    published weights."""
    require(actor, MANAGE, poll.call.org.path)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.CLOSED:
        raise ConflictError("poll_not_closed", _("Close the vote before publishing its result."))
    counted = tally_log.recount(poll.pk, log_entries(poll))
    candidates = list(poll.candidates.select_related("submission"))
    votes = {c.submission_id: counted.counts.get(c.position, 0) for c in candidates}
    jury = {
        row.entry.pk: row.jury_score
        for row in jury_ranking(poll.call)
        if row.jury_score is not None
    }
    final = scoring.final_scores(
        jury, votes, jury_weight=poll.jury_weight, vote_weight=poll.vote_weight
    )
    poll.result = {
        "counted": counted.counted,
        "set_aside": counted.set_aside,
        "head_hash": counted.head_hash,
        "candidates": [
            {
                "position": c.position,
                "entry": c.submission_id,
                "title": c.submission.title,
                "votes": votes[c.submission_id],
                "jury": round(jury[c.submission_id], 6) if c.submission_id in jury else None,
                "final": round(final[c.submission_id], 6),
            }
            for c in sorted(candidates, key=lambda c: -final[c.submission_id])
        ],
    }
    poll.status = Poll.Status.PUBLISHED
    poll.published_at = timezone.now()
    poll.save(update_fields=["result", "status", "published_at"])
    audit.record(
        actor=actor,
        action="reviews.poll.published",
        org=poll.call.org,
        target=poll,
        changes={"counted": counted.counted, "set_aside": counted.set_aside},
    )
    return poll
