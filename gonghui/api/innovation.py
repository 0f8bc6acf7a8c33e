"""Innovation in the API, over the review mechanism: calls and their entries for staff
(reviews.manage), a juror's scores for their own assignment, a member's ballot, and the
public tally log of a vote.

Writes take an `Idempotency-Key` (core/idempotency.py): a retried ballot or score returns
the first answer instead of a second refusal.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.types import Id
from gonghui.core.capabilities import Capability
from gonghui.core.errors import NotFoundError, PermissionDeniedError
from gonghui.core.request_context import client_ip_of
from gonghui.innovation import kinds
from gonghui.members.queries import get_own_member
from gonghui.reviews import actions
from gonghui.reviews import queries as reviews
from gonghui.reviews.models import Poll

router = Router(tags=["innovation"])
CAPABILITY: Capability = "reviews.manage"


class CallOut(Schema):
    id: int
    kind: str = Field(description="wuxiao, paper or craftsman")
    title: str
    org_id: int
    org_name: str
    audience: str = Field(description="members, or units (nominations)")
    submissions_open: datetime
    submissions_close: datetime
    review_started_at: datetime | None
    review_closes: datetime
    entries: int = Field(description="Submitted entries")

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj.org.name)


class EntryOut(Schema):
    id: int
    code: str = Field(description="What jurors see in a blind review")
    title: str
    category: str
    org_id: int
    org_name: str
    nominee: str
    status: str
    decision: str
    award_level: str
    decision_reason: str
    jurors: int
    scored: int

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj.org.name)


class ScoresIn(Schema):
    scores: dict[str, int] = Field(description="Criterion id → score, every criterion")
    comment: str = Field("", max_length=2000)


class ScoresOut(Schema):
    assignment_id: int
    completed_at: datetime | None


class BallotIn(Schema):
    candidate_id: Id
    device: str = Field("", max_length=100, description="The app's own device id")


class BallotOut(Schema):
    poll_id: int
    receipt: str = Field(description="Keep it: it is found in the tally log once published")


class LogEntryOut(Schema):
    seq: int
    candidate: int
    receipt: str
    cast_at: str
    prev_hash: str
    hash: str
    set_aside: str


class TallyLogOut(Schema):
    poll_id: int
    status: str
    jury_weight: int
    vote_weight: int
    head_hash: str
    result: dict[str, Any]
    entries: list[LogEntryOut]


def _call(request: HttpRequest, call_id: int) -> Any:
    call = reviews.get_call_for(request.user, call_id, CAPABILITY)
    if call.kind not in kinds.KINDS:
        raise NotFoundError("not_found", _("Not found."))
    return call


@router.get(
    "/innovation/calls",
    response={200: list[CallOut], **ERROR_RESPONSES},
    operation_id="list_innovation_calls",
)
@paginate(Pages, page_size=50)
def list_innovation_calls(request: HttpRequest) -> Any:
    """The innovation calls of the caller's subtree (reviews.manage)."""
    return reviews.list_calls(request.user, CAPABILITY, kinds=kinds.KINDS)


@router.get(
    "/innovation/calls/{id:call_id}/entries",
    response={200: list[EntryOut], **ERROR_RESPONSES},
    operation_id="list_innovation_entries",
)
@paginate(Pages, page_size=50)
def list_innovation_entries(request: HttpRequest, call_id: Id) -> Any:
    """A call's submitted entries with their jurors, scores done and decision."""
    return reviews.list_entries(_call(request, call_id))


@router.post(
    "/innovation/assignments/{id:assignment_id}/scores",
    response={200: ScoresOut, **ERROR_RESPONSES},
    operation_id="score_innovation_entry",
)
def score_innovation_entry(
    request: HttpRequest, assignment_id: Id, payload: ScoresIn
) -> dict[str, Any]:
    """The caller's own assignment scored on every criterion of the frozen rubric. 400
    `score_out_of_range`, `score_missing`, `review_not_started`, `review_closed`; 403
    `conflict_of_interest`; someone else's assignment is 404."""
    assignment = reviews.get_own_assignment(request.user, assignment_id)
    values: dict[int, int] = {}
    for key, value in payload.scores.items():
        if not key.isdigit():
            raise NotFoundError(
                "unknown_criterion", _("A score for a criterion not in the rubric.")
            )
        values[int(key)] = value
    done = actions.score_entry(
        actor=api_user(request), assignment=assignment, values=values, comment=payload.comment
    )
    return {"assignment_id": done.pk, "completed_at": done.completed_at}


@router.post(
    "/innovation/polls/{id:poll_id}/ballots",
    response={201: BallotOut, **ERROR_RESPONSES},
    operation_id="cast_innovation_ballot",
)
def cast_innovation_ballot(
    request: HttpRequest, poll_id: Id, payload: BallotIn
) -> tuple[int, dict[str, Any]]:
    """The signed-in member's one vote, final at once, with its receipt. 409
    `already_voted` (with the first receipt), 403 `not_in_electorate` or `not_a_member`, 400
    `poll_not_open`, `poll_closed`, 429 `rate_limited` (one network). Send an
    `Idempotency-Key`: a retry returns the first answer."""
    member = get_own_member(request.user)
    if member is None or not member.is_active:
        raise PermissionDeniedError("not_a_member", _("Only active union members can vote."))
    poll = reviews.get_public_poll(poll_id)
    candidate = reviews.get_candidate(poll, payload.candidate_id)
    ballot = actions.cast_ballot(
        actor=api_user(request),
        member=member,
        poll=poll,
        candidate=candidate,
        signals=actions.Signals(
            ip=client_ip_of(request) or "",
            device=f"{payload.device}|{request.headers.get('user-agent', '')[:200]}",
        ),
    )
    return 201, {"poll_id": poll.pk, "receipt": ballot.receipt}


@router.get(
    "/innovation/polls/{id:poll_id}/log",
    response={200: TallyLogOut, **ERROR_RESPONSES},
    operation_id="get_tally_log",
    auth=None,
)
def get_tally_log(request: HttpRequest, poll_id: Id) -> dict[str, Any]:
    """A vote's tally log, public: empty until the vote closes and the log is sealed; the
    result with it once published. Recount it: each `hash` is SHA-256 of
    `prev_hash|poll|seq|candidate|receipt|cast_at`, the first `prev_hash` 64 zeros."""
    poll = reviews.get_public_poll(poll_id)
    published = poll.status == Poll.Status.PUBLISHED
    return {
        "poll_id": poll.pk,
        "status": poll.status,
        "jury_weight": poll.jury_weight,
        "vote_weight": poll.vote_weight,
        "head_hash": poll.head_hash,
        "result": poll.result if published else {},
        "entries": reviews.log_entries(poll),
    }
