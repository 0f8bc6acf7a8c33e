"""Recruitment and membership: joining, application status and review, recruitment events,
members and their history, transfers (会员关系接转), leaving, and e-member cards."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, P, Query, Router, Schema
from ninja.pagination import paginate
from ninja.params import HeaderEx

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES, ErrorOut
from gonghui.api.pagination import Pages
from gonghui.api.types import Day, Id
from gonghui.core.errors import DomainError, NotFoundError
from gonghui.core.fields import lookup_value
from gonghui.core.personal import mask_id_number, mask_mobile, mask_name, normalize_id_number
from gonghui.core.personal import normalize_mobile as normalize_mobile_number
from gonghui.members import actions, cards, queries
from gonghui.members.choices import ETHNICITY_NAMES, Education, Gender, JobType, PoliticalStatus
from gonghui.members.models import Application, Episode, Member, RecruitmentEvent, Transfer
from gonghui.members.review_warnings import warnings_of
from gonghui.orgs.queries import get_org_for

router = Router(tags=["members"])


class KeyReusedError(DomainError):
    status = 422


# The submission key column holds at most this many characters.
MAX_SUBMISSION_KEY = 64


# --- schemas: joining --------------------------------------------------------------------------


class JoinIn(Schema):
    name: str = Field(max_length=100, description="Full name as on the ID card.")
    gender: Gender
    ethnicity: str = Field(
        max_length=2,
        description="GB/T 3304 code of the ethnic group (民族), 01 汉族 to 56 基诺族.",
        json_schema_extra={"enum": list(ETHNICITY_NAMES)},
    )
    id_number: str = Field(
        max_length=40,
        description="18-character resident ID or HK/Macao/Taiwan residence-permit number "
        "(GB 11643 check character). Full-width digits, spaces and a lower-case x are "
        "accepted; the 15-digit legacy form is refused.",
    )
    mobile: str = Field(max_length=40, description="Mainland mobile number (11 digits).")
    employer_name: str = Field("", max_length=200, description="Employer or platform.")
    has_employer_union: bool = False
    job_type: JobType
    education: Education
    political_status: PoliticalStatus
    consent: bool = Field(description="The applicant agreed to the privacy notice.")
    consent_version: str = Field(max_length=20, description="The version of the notice read.")


class JoinOut(Schema):
    status: Literal["received"]
    message: str = Field(description="What the applicant is told, in the request's language.")
    mobile_masked: str = Field(description="The number the status link was texted to.")
    org_name: str = Field(description="The union that reviews the application.")


class ApplicationStatusOut(Schema):
    receipt: str
    name_masked: str
    status: str
    status_label: str
    org_name: str
    event_title: str
    submitted_at: datetime
    reviewed_at: datetime | None
    reject_reason: str
    member_number: str


# --- schemas: review ---------------------------------------------------------------------------


def _event_title(obj: Application) -> str:
    event: RecruitmentEvent | None = obj.event
    return event.title if event is not None else ""


class _PersonResolvers(Schema):
    """What an application and a member show alike of the person (会员信息采集表): labels,
    masked ID and mobile numbers, the union's name."""

    @staticmethod
    def resolve_gender_label(obj: Application | Member) -> str:
        return str(obj.get_gender_display())

    @staticmethod
    def resolve_ethnicity_name(obj: Application | Member) -> str:
        return ETHNICITY_NAMES.get(obj.ethnicity, "")

    @staticmethod
    def resolve_id_number_masked(obj: Application | Member) -> str:
        return mask_id_number(str(obj.id_number))

    @staticmethod
    def resolve_mobile_masked(obj: Application | Member) -> str:
        return mask_mobile(str(obj.mobile))

    @staticmethod
    def resolve_job_type_label(obj: Application | Member) -> str:
        return str(obj.get_job_type_display())

    @staticmethod
    def resolve_org_name(obj: Application | Member) -> str:
        return obj.org.name


class ApplicationOut(_PersonResolvers):
    id: int
    name: str
    gender: str
    gender_label: str
    ethnicity: str
    ethnicity_name: str
    id_number_masked: str
    mobile_masked: str
    employer_name: str
    has_employer_union: bool
    job_type: str
    job_type_label: str
    education: str
    political_status: str
    org_id: int
    org_name: str
    event_id: int | None
    event_title: str
    channel: str
    status: str
    status_label: str
    submitted_at: datetime
    waiting_days: int
    waiting_long: bool = Field(description="Pending for longer than the review deadline.")
    is_member_already: bool = Field(description="The ID number already belongs to a member.")
    also_applied: bool = Field(
        description="Another application with the same ID number is waiting for review."
    )
    warnings: list[str] = Field(
        description="What to look at twice before approving: mobile_of_member, "
        "mobile_of_applicant (the mobile number is another person's), under_age, "
        "past_retirement (the age by the ID number), member_elsewhere (an active member of "
        "another union)."
    )
    reject_reason: str
    reviewed_at: datetime | None
    member_id: int | None

    @staticmethod
    def resolve_event_title(obj: Application) -> str:
        return _event_title(obj)

    @staticmethod
    def resolve_warnings(obj: Application) -> list[str]:
        if hasattr(obj, "mobile_of_member"):  # a list's row, annotated
            return [warning.code for warning in warnings_of(obj)]
        return [warning.code for warning in queries.list_application_warnings(obj)]

    @staticmethod
    def resolve_status_label(obj: Application) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_waiting_days(obj: Application) -> int:
        return max((timezone.now() - obj.submitted_at).days, 0)

    @staticmethod
    def resolve_waiting_long(obj: Application) -> bool:
        return obj.status == Application.Status.PENDING and (
            obj.submitted_at < queries.waiting_cutoff()
        )

    @staticmethod
    def resolve_is_member_already(obj: Application) -> bool:
        flag: bool | None = getattr(obj, "is_member_already", None)
        return flag if flag is not None else queries.is_already_member(obj)

    @staticmethod
    def resolve_also_applied(obj: Application) -> bool:
        flag: bool | None = getattr(obj, "also_applied", None)
        return flag if flag is not None else queries.count_other_pending(obj) > 0


class ApplicationFilters(Schema):
    status: Literal["pending", "approved", "rejected", "all"] = "pending"
    event: Id | None = Field(None, description="Only applications from this event.")
    waiting: bool = Field(False, description="Only those waiting longer than the deadline.")
    q: str = Field(
        "",
        max_length=40,
        description="Part of the name or the employer, or a whole mobile or ID number (looked "
        "up by its hash; such a search is audited).",
    )
    within: Id | None = Field(None, description="Only this organisation's subtree.")


class RejectIn(Schema):
    reason: str = Field(max_length=200, description="Told to the applicant.")


class BulkApproveIn(Schema):
    ids: list[Id] = Field(min_length=1, max_length=500)


class ApprovedOut(Schema):
    application_id: int
    member_id: int
    number: str


class RefusedOut(Schema):
    application_id: int
    code: str
    reason: str


class BulkApproveOut(Schema):
    approved: list[ApprovedOut]
    refused: list[RefusedOut]


# --- schemas: events ---------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    title: str
    place: str
    org_id: int
    org_name: str
    enterprise_id: int | None
    enterprise_name: str
    starts_at: datetime
    ends_at: datetime
    target: int
    gift_name: str
    gift_stock: int
    gifts_given: int
    code: str
    join_path: str = Field(description="Where the joining form posts (anonymous).")
    scans: int

    @staticmethod
    def resolve_org_name(obj: RecruitmentEvent) -> str:
        return obj.org.name

    @staticmethod
    def resolve_enterprise_name(obj: RecruitmentEvent) -> str:
        return obj.enterprise.name if obj.enterprise is not None else ""

    @staticmethod
    def resolve_join_path(obj: RecruitmentEvent) -> str:
        return reverse("api:submit_application", kwargs={"event_code": obj.code})


class EventListOut(EventOut):
    application_count: int
    approved_count: int


class EmployerFigureOut(Schema):
    employer_name: str
    applications: int
    approved: int


class EventFiguresOut(Schema):
    scans: int
    applications: int
    pending: int
    approved: int
    rejected: int
    members: int = Field(description="Members recruited here who are still active.")
    gifts_given: int
    gifts_left: int
    last_minutes: int = Field(description="Applications in the last ten minutes.")
    peak_per_minute: int
    by_enterprise: list[EmployerFigureOut]


class EventDetailOut(EventOut):
    figures: EventFiguresOut

    @staticmethod
    def resolve_figures(obj: RecruitmentEvent) -> dict[str, Any]:
        figures = queries.event_figures(obj)
        return {
            "scans": figures.scans,
            "applications": figures.applications,
            "pending": figures.pending,
            "approved": figures.approved,
            "rejected": figures.rejected,
            "members": figures.members,
            "gifts_given": figures.gifts_given,
            "gifts_left": figures.gifts_left,
            "last_minutes": figures.last_minutes,
            "peak_per_minute": figures.peak_per_minute,
            "by_enterprise": [
                {"employer_name": name, "applications": n, "approved": approved}
                for name, n, approved in figures.by_enterprise
            ],
        }


class EventFilters(Schema):
    within: Id | None = Field(None, description="Only this organisation's subtree.")


# --- schemas: members and transfers ------------------------------------------------------------


class MemberOut(_PersonResolvers):
    id: int
    number: str
    name: str
    gender: str
    gender_label: str
    ethnicity: str
    ethnicity_name: str
    id_number_masked: str
    mobile_masked: str
    org_id: int
    org_name: str
    employer_name: str
    job_type: str
    job_type_label: str
    education: str
    political_status: str
    status: str
    status_label: str
    joined_on: date
    left_on: date | None
    card_version: int
    version: int

    @staticmethod
    def resolve_status_label(obj: Member) -> str:
        return str(obj.get_status_display())


class EpisodeOut(Schema):
    org_id: int
    org_name: str
    employer_name: str
    started_on: date
    ended_on: date | None

    @staticmethod
    def resolve_org_name(obj: Episode) -> str:
        return obj.org.name


class TransferOut(Schema):
    id: int
    member_id: int
    member_number: str
    member_name: str
    from_org_id: int
    from_org_name: str
    to_org_id: int
    to_org_name: str
    new_employer_name: str
    status: str
    status_label: str
    requested_at: datetime
    decided_at: datetime | None
    decline_reason: str

    @staticmethod
    def resolve_member_number(obj: Transfer) -> str:
        return obj.member.number

    @staticmethod
    def resolve_member_name(obj: Transfer) -> str:
        return obj.member.name

    @staticmethod
    def resolve_from_org_name(obj: Transfer) -> str:
        return obj.from_org.name

    @staticmethod
    def resolve_to_org_name(obj: Transfer) -> str:
        return obj.to_org.name

    @staticmethod
    def resolve_status_label(obj: Transfer) -> str:
        return str(obj.get_status_display())


class MemberDetailOut(MemberOut):
    enterprise_id: int | None
    recruitment_event_id: int | None
    leave_reason: str
    episodes: list[EpisodeOut]
    transfers: list[TransferOut]

    @staticmethod
    def resolve_episodes(obj: Member) -> list[Episode]:
        return queries.list_episodes(obj)

    @staticmethod
    def resolve_transfers(obj: Member) -> list[Transfer]:
        return queries.list_member_transfers(obj)


class MemberFilters(Schema):
    q: str = Field(
        "",
        max_length=40,
        description="Part of the name or employer, a member number, or a whole mobile or ID "
        "number (looked up by its hash; such a search is audited).",
    )
    status: Literal["active", "transferred_out", "lapsed", "withdrawn", "deceased", "all"] = (
        "active"
    )
    job_type: JobType | None = None
    joined_from: Day | None = None
    joined_to: Day | None = None
    within: Id | None = Field(None, description="Only this organisation's subtree.")


class TransferStartIn(Schema):
    to_org_id: Id = Field(description="The union asked to take the membership over.")
    new_employer_name: str = Field(max_length=120)


class TransferDeclineIn(Schema):
    reason: str = Field(max_length=200)


class TransferFilters(Schema):
    status: Literal["pending", "accepted", "declined", "cancelled", "all"] = "pending"


class LeaveIn(Schema):
    status: Literal["withdrawn", "lapsed", "deceased", "transferred_out"]
    reason: str = Field(max_length=200)
    left_on: Day | None = Field(None, description="Defaults to today.")


class RevokeIn(Schema):
    reason: str = Field("", max_length=200)


# --- schemas: cards ----------------------------------------------------------------------------


class CardClaimsOut(Schema):
    number: str
    name: str
    union: str
    joined_on: date
    version: int


class CardOut(Schema):
    code: str = Field(description="The QR content: GH1.<payload>.<Ed25519 signature>.")
    claims: CardClaimsOut


class PublicKeyOut(Schema):
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="The raw 32-byte public key, base64url.")


class CardCheckOut(Schema):
    status: Literal["valid", "revoked", "left", "outdated", "unknown", "not_genuine"]
    status_label: str
    genuine: bool = Field(description="The signature matches the platform's key.")
    number: str
    presented_version: int | None
    card_version: int | None = Field(description="The member's current card version.")


class CardCheckQuery(Schema):
    code: str = Field(max_length=2000)


# --- joining (anonymous) -------------------------------------------------------------------------


def _status_url(request: HttpRequest) -> str:
    """The applicant's status page for the SMS, with RECEIPT as the placeholder (as the
    joining page sends it)."""
    return request.build_absolute_uri(reverse("members:receipt", args=["RECEIPT"]))


def _is_same_person(application: Application, payload: JoinIn) -> bool:
    """Whether a submission that replays `application` comes from the person it belongs to."""
    try:
        id_number = normalize_id_number(payload.id_number)
        mobile = normalize_mobile_number(payload.mobile)
    except DomainError:
        return False
    same_id = str(application.id_number_hash) == lookup_value("id_number", id_number)
    return same_id and str(application.mobile_hash) == lookup_value("mobile", mobile)


IDEMPOTENCY_KEY = P(
    alias="Idempotency-Key",
    description="Required: a fresh random value per application (a UUID), sent again "
    "unchanged on every retry. At most 64 characters.",
)


@router.post(
    "/join/{event_code}",
    response={202: JoinOut, 429: ErrorOut, **ERROR_RESPONSES},
    operation_id="submit_application",
    auth=None,
)
def submit_application(
    request: HttpRequest,
    event_code: str,
    payload: JoinIn,
    idempotency_key: HeaderEx[str, IDEMPOTENCY_KEY] = "",
) -> tuple[int, dict[str, Any]]:
    """Apply to join the union through a recruitment event's link (no sign-in).

    Every accepted submission gets the same answer, 202 `received`: whether or not the
    person is already a member or already applied, nothing in the answer differs. The
    status link (`/r/<receipt>/`, and `GET /applications/status/{receipt}`) is texted to the
    mobile number in the application, never returned here. The `Idempotency-Key` header is
    required and becomes the application's submission key: a retry with the same key and body
    gets the first answer back and creates nothing. Errors name the field that is wrong, in
    the request's language; too many submissions from one address or for one number answer
    429 `rate_limited` with `Retry-After`."""
    key = idempotency_key.strip()
    if not key:
        message = _("Send an Idempotency-Key header: a fresh random value per application.")
        raise DomainError("idempotency_key_required", message)
    if len(key) > MAX_SUBMISSION_KEY:
        raise DomainError(
            "invalid_idempotency_key",
            _("An Idempotency-Key is at most %(max)d characters here.")
            % {"max": MAX_SUBMISSION_KEY},
        )
    event = queries.get_event_by_code(event_code)
    person = payload.model_dump(mode="json", exclude={"consent", "consent_version"})
    submitted = actions.submit_application(
        event=event,
        submission_key=key,
        consent=payload.consent,
        consent_version=payload.consent_version,
        channel="api",
        status_url=_status_url(request),
        **person,
    )
    application = submitted.application
    if submitted.replayed and not _is_same_person(application, payload):
        raise KeyReusedError(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request."),
        )
    return 202, {
        "status": "received",
        "message": str(actions.received_message()),
        "mobile_masked": mask_mobile(str(application.mobile)),
        "org_name": application.org.name,
    }


@router.get(
    "/applications/status/{receipt}",
    response={200: ApplicationStatusOut, **ERROR_RESPONSES},
    operation_id="get_application_status",
    auth=None,
)
def get_application_status(request: HttpRequest, receipt: str) -> dict[str, Any]:
    """The applicant's own view of their application, by the receipt in their status link.
    Nothing personal beyond the masked name is shown."""
    application = queries.get_application_by_receipt(receipt)
    member: Member | None = application.member
    return {
        "receipt": application.receipt,
        "name_masked": mask_name(application.name),
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "org_name": application.org.name,
        "event_title": _event_title(application),
        "submitted_at": application.submitted_at,
        "reviewed_at": application.reviewed_at,
        "reject_reason": application.reject_reason,
        "member_number": member.number if member is not None else "",
    }


# --- review ------------------------------------------------------------------------------------


@router.get(
    "/applications",
    response={200: list[ApplicationOut], **ERROR_RESPONSES},
    operation_id="list_applications",
)
@paginate(Pages, page_size=50)
def list_applications(request: HttpRequest, filters: Query[ApplicationFilters]) -> Any:
    """The review queue of the caller's subtree, oldest first. `status` defaults to pending
    (`all` for every status); `waiting` keeps those past the review deadline. ID and mobile
    numbers are masked."""
    within = get_org_for(request.user, filters.within, "members.view") if filters.within else None
    if queries.number_in(filters.q.strip()):
        actions.record_number_search(
            actor=api_user(request), search=filters.q.strip(), listing="applications", within=within
        )
    return queries.list_applications(
        request.user,
        "members.view",
        within=within,
        filters=queries.ApplicationFilters(
            status="" if filters.status == "all" else filters.status,
            event=filters.event,
            search=filters.q.strip(),
            waiting_only=filters.waiting,
        ),
    )


@router.get(
    "/applications/{id:application_id}",
    response={200: ApplicationOut, **ERROR_RESPONSES},
    operation_id="get_application",
)
def get_application(request: HttpRequest, application_id: Id) -> Application:
    """One application, flagged when its ID number already belongs to a member."""
    return queries.get_application_for(request.user, application_id, "members.view")


@router.post(
    "/applications/{id:application_id}/approve",
    response={200: ApplicationOut, **ERROR_RESPONSES},
    operation_id="approve_application",
)
def approve_application(request: HttpRequest, application_id: Id) -> Application:
    """Approve: the applicant becomes a member with a member number (`member_id` in the
    answer). An application already reviewed gets 409; a person who is already a member
    gets 400 duplicate_member."""
    application = queries.get_application_for(request.user, application_id, "members.review")
    actions.approve_application(actor=api_user(request), application=application)
    return queries.get_application_for(request.user, application_id, "members.view")


@router.post(
    "/applications/{id:application_id}/reject",
    response={200: ApplicationOut, **ERROR_RESPONSES},
    operation_id="reject_application",
)
def reject_application(request: HttpRequest, application_id: Id, payload: RejectIn) -> Application:
    """Reject with a reason, which the applicant is told by SMS and on their status page."""
    application = queries.get_application_for(request.user, application_id, "members.review")
    actions.reject_application(
        actor=api_user(request), application=application, reason=payload.reason
    )
    return queries.get_application_for(request.user, application_id, "members.view")


@router.post(
    "/applications/approve",
    response={200: BulkApproveOut, **ERROR_RESPONSES},
    operation_id="approve_applications",
)
def approve_applications(request: HttpRequest, payload: BulkApproveIn) -> dict[str, Any]:
    """Approve several applications; each one stands alone, so a refusal (already reviewed,
    already a member, outside the caller's scope) does not undo the others."""
    ids = list(dict.fromkeys(payload.ids))
    applications = queries.get_applications_for(request.user, ids, "members.review")
    found = {application.pk for application in applications}
    result = actions.approve_applications(actor=api_user(request), applications=applications)
    by_person = {application.id_number_hash: application.pk for application in applications}
    refused = [
        {"application_id": application.pk, "code": "refused", "reason": reason}
        for application, reason in result["refused"]
    ]
    refused += [
        {"application_id": pk, "code": "not_found", "reason": _("Not found.")}
        for pk in ids
        if pk not in found
    ]
    return {
        "approved": [
            {
                "application_id": by_person[member.id_number_hash],
                "member_id": member.pk,
                "number": member.number,
            }
            for member in result["approved"]
        ],
        "refused": refused,
    }


# --- recruitment events ------------------------------------------------------------------------


@router.get(
    "/recruitment-events",
    response={200: list[EventListOut], **ERROR_RESPONSES},
    operation_id="list_recruitment_events",
)
@paginate(Pages, page_size=50)
def list_recruitment_events(request: HttpRequest, filters: Query[EventFilters]) -> Any:
    """Recruitment events (双沟通) of the caller's subtree, latest first, with their counts of
    applications and approvals."""
    within = get_org_for(request.user, filters.within, "members.view") if filters.within else None
    return queries.list_events(request.user, "members.view", within=within)


@router.get(
    "/recruitment-events/{id:event_id}",
    response={200: EventDetailOut, **ERROR_RESPONSES},
    operation_id="get_recruitment_event",
)
def get_recruitment_event(request: HttpRequest, event_id: Id) -> RecruitmentEvent:
    """One event with its funnel: scans → applications → approved → still members, the
    last ten minutes' rate, the busiest minute, gifts, and figures by employer."""
    return queries.get_event_for(request.user, event_id, "members.view")


# --- members -----------------------------------------------------------------------------------


def own_member(request: HttpRequest) -> Member | None:
    """The signed-in worker's membership, linked to the account on first use (as the card
    page does): one recorded with the mobile number the account signed in with."""
    member = queries.find_own_member(request.user)
    if member is not None and member.user_id is None:
        try:
            member = actions.link_member_account(actor=api_user(request), member=member)
        except DomainError:
            return None
    return member


def _member_to_change(request: HttpRequest, member_id: Id) -> Member:
    """The member's own membership, or one the caller manages (404 alike otherwise)."""
    own = own_member(request)
    if own is not None and own.pk == member_id:
        return own
    return queries.get_member_for(request.user, member_id, "members.manage")


@router.get(
    "/members",
    response={200: list[MemberOut], **ERROR_RESPONSES},
    operation_id="list_members",
)
@paginate(Pages, page_size=50)
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> Any:
    """Members of the caller's subtree by member number; `status` defaults to active (`all`
    for every status). ID and mobile numbers are masked."""
    within = get_org_for(request.user, filters.within, "members.view") if filters.within else None
    if queries.number_in(filters.q.strip()):
        actions.record_number_search(
            actor=api_user(request), search=filters.q.strip(), listing="members", within=within
        )
    return queries.list_members(
        request.user,
        "members.view",
        within=within,
        filters=queries.MemberFilters(
            search=filters.q.strip(),
            status="" if filters.status == "all" else filters.status,
            job_type=filters.job_type.value if filters.job_type else "",
            joined_from=filters.joined_from,
            joined_to=filters.joined_to,
        ),
    )


@router.get(
    "/members/{id:member_id}",
    response={200: MemberDetailOut, **ERROR_RESPONSES},
    operation_id="get_member",
)
def get_member(request: HttpRequest, member_id: Id) -> Member:
    """One member with the history of their membership (episodes: union, employer, from, to)
    and their transfers. ID and mobile numbers are masked."""
    return queries.get_member_for(request.user, member_id, "members.view")


@router.post(
    "/members/{id:member_id}/transfers",
    response={201: TransferOut, **ERROR_RESPONSES},
    operation_id="start_transfer",
)
def start_transfer(
    request: HttpRequest, member_id: Id, payload: TransferStartIn
) -> tuple[int, Transfer]:
    """Ask another union to take the membership over (the member changed employer). Staff
    who manage the member, or the member themselves, may ask; one transfer waits at a time
    (409 transfer_pending)."""
    member = _member_to_change(request, member_id)
    to_org = queries.get_receiving_union(payload.to_org_id)
    transfer = actions.start_transfer(
        actor=api_user(request),
        member=member,
        to_org=to_org,
        new_employer_name=payload.new_employer_name,
    )
    return 201, queries.get_transfer_for(request.user, transfer.pk, "members.view")


@router.post(
    "/members/{id:member_id}/leave",
    response={200: MemberDetailOut, **ERROR_RESPONSES},
    operation_id="record_leaving",
)
def record_leaving(request: HttpRequest, member_id: Id, payload: LeaveIn) -> Member:
    """End a membership (withdrawn, lapsed, deceased, transferred out of the system) with a
    reason. A member may withdraw themselves; anything else needs members.manage. Their
    card stops being valid and a waiting transfer is cancelled."""
    member = _member_to_change(request, member_id)
    return actions.record_leaving(
        actor=api_user(request),
        member=member,
        status=payload.status,
        reason=payload.reason,
        left_on=payload.left_on,
    )


@router.post(
    "/members/{id:member_id}/revoke-card",
    response={200: MemberOut, **ERROR_RESPONSES},
    operation_id="revoke_card",
)
def revoke_card(request: HttpRequest, member_id: Id, payload: RevokeIn) -> Member:
    """Invalidate the member's current card (lost phone, misuse): its `card_version` goes up,
    the online check answers revoked for older codes, and the member's card shows a new code."""
    member = queries.get_member_for(request.user, member_id, "members.manage")
    return actions.revoke_card(actor=api_user(request), member=member, reason=payload.reason)


# --- transfers ---------------------------------------------------------------------------------


@router.get(
    "/transfers",
    response={200: list[TransferOut], **ERROR_RESPONSES},
    operation_id="list_transfers",
)
@paginate(Pages, page_size=50)
def list_transfers(request: HttpRequest, filters: Query[TransferFilters]) -> Any:
    """Transfers into or out of the caller's subtree, newest first; `status` defaults to
    pending (`all` for every status)."""
    return queries.list_transfers(
        request.user, "members.view", status="" if filters.status == "all" else filters.status
    )


@router.post(
    "/transfers/{id:transfer_id}/accept",
    response={200: TransferOut, **ERROR_RESPONSES},
    operation_id="accept_transfer",
)
def accept_transfer(request: HttpRequest, transfer_id: Id) -> Transfer:
    """The receiving union takes the member over: the membership continues without a gap
    under the same member number, and a new episode starts today."""
    transfer = queries.get_transfer_for(request.user, transfer_id, "members.review")
    actions.accept_transfer(actor=api_user(request), transfer=transfer)
    return queries.get_transfer_for(request.user, transfer_id, "members.view")


@router.post(
    "/transfers/{id:transfer_id}/decline",
    response={200: TransferOut, **ERROR_RESPONSES},
    operation_id="decline_transfer",
)
def decline_transfer(request: HttpRequest, transfer_id: Id, payload: TransferDeclineIn) -> Transfer:
    """The receiving union declines, saying why; the member stays where they are."""
    transfer = queries.get_transfer_for(request.user, transfer_id, "members.review")
    actions.decline_transfer(actor=api_user(request), transfer=transfer, reason=payload.reason)
    return queries.get_transfer_for(request.user, transfer_id, "members.view")


# --- cards -------------------------------------------------------------------------------------


@router.get(
    "/me/card",
    response={200: CardOut, **ERROR_RESPONSES},
    operation_id="get_my_card",
)
def get_my_card(request: HttpRequest) -> dict[str, Any]:
    """The signed-in member's e-member card: the signed code for the QR and its claims.
    404 no_membership when the account has no active membership."""
    member = own_member(request)
    if member is None or not member.is_active:
        raise NotFoundError("no_membership", _("This account has no active union membership."))
    claims = cards.claims_of(member)
    return {
        "code": cards.sign_card(claims),
        "claims": {
            "number": claims.number,
            "name": claims.name,
            "union": claims.union,
            "joined_on": claims.joined_on,
            "version": claims.version,
        },
    }


@router.get(
    "/cards/public-key",
    response={200: PublicKeyOut, **ERROR_RESPONSES},
    operation_id="get_card_public_key",
    auth=None,
)
def get_card_public_key(request: HttpRequest) -> dict[str, str]:
    """The key that verifies card codes offline: Ed25519 over the code's payload."""
    return {"algorithm": "Ed25519", "public_key": cards.public_key_b64()}


CARD_STATUS_LABELS = {
    "valid": gettext_lazy("This is a valid union member card."),
    "revoked": gettext_lazy("This card was revoked; the member has a newer one."),
    "left": gettext_lazy("This membership has ended."),
    "outdated": gettext_lazy("The member's details changed; their phone shows a newer card."),
    "unknown": gettext_lazy("The card is genuine but no such member is on record."),
    "not_genuine": gettext_lazy("This is not a genuine card: it was altered or forged."),
}


@router.get(
    "/cards/check",
    response={200: CardCheckOut, **ERROR_RESPONSES},
    operation_id="check_card",
    auth=None,
)
def check_card(request: HttpRequest, query: Query[CardCheckQuery]) -> dict[str, Any]:
    """The online check of a scanned card code, as the verifier page does it: `valid`;
    `revoked` (an older card version); `left` (the membership ended); `outdated` (the member
    moved union or their name changed: their phone shows a newer card); `unknown` (genuine,
    but no such member on record); `not_genuine` (altered or forged). Only the status and
    card versions are answered."""
    checked = queries.check_card(query.code)
    status, claims, member = checked.status, checked.claims, checked.member
    return {
        "status": status,
        "status_label": str(CARD_STATUS_LABELS[status]),
        "genuine": claims is not None,
        "number": claims.number if claims is not None else "",
        "presented_version": claims.version if claims is not None else None,
        "card_version": member.card_version if member is not None else None,
    }
