"""Every staff page and API operation against actors placed around the target org.

The target org T is 中关村科学城总工会. An actor holds a role at T itself ("same"), at its
parent ("ancestor"), at a child ("descendant"), at another child of T's parent ("sibling") or
in another branch ("outsider"). Grants cover subtrees, so the first two may act and the rest
get a 404, exactly as for an object that does not exist.

Adding a staff URL or an API operation without an entry here fails
`test_every_endpoint_has_a_matrix_entry`.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from gonghui.accounts.models import RoleGrant, User
from gonghui.accounts.roles import Role
from gonghui.api.api import api
from gonghui.benefits.tests import matrix as benefits
from gonghui.care.models import Campaign, CareSite, Item
from gonghui.care.tests import matrix as care
from gonghui.checkins.actions import screen_code
from gonghui.checkins.models import CheckIn, Registration
from gonghui.checkins.tests.qr_images import qr_png
from gonghui.core.imports import start_import
from gonghui.core.models import AuditEntry, ImportJob
from gonghui.enterprises.actions import (
    advance_founding_case,
    attach_founding_document,
    open_founding_case,
)
from gonghui.enterprises.models import Enterprise, FoundingCase, FoundingDocument, Stage
from gonghui.enterprises.tests.factories import credit_code
from gonghui.events import actions as event_actions
from gonghui.events.models import Activity, ActivityPhoto
from gonghui.innovation.tests import matrix as innovation
from gonghui.learning.tests import matrix as learning
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Application, Member, MemberExport, RecruitmentEvent, Transfer
from gonghui.members.tests.factories import person
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind
from gonghui.stations.tests import matrix as stations
from gonghui.volunteers.tests import matrix as volunteers

RELATIONS = ["same", "ancestor", "descendant", "sibling", "outsider"]
ALLOWED = {"same", "ancestor"}


@dataclass
class Ctx:
    target: Org
    child: Org
    second_child: Org
    orgs: dict[str, Org]
    subject: User
    subject_grant: RoleGrant
    enterprise: Enterprise
    case: FoundingCase  # at the congress stage, with a document
    document: FoundingDocument
    job: ImportJob  # checked, waiting for confirmation
    second_enterprise: Enterprise  # without a case yet
    hlg: Org  # a union outside T that receives transfers (the outsider's home)
    recruitment: RecruitmentEvent  # open now, with welcome gifts, receiving at T
    application: Application  # pending, from the recruitment event
    member: Member  # active at T
    card: str  # the member's signed card code
    transfer: Transfer  # pending, from 德胜 (no actor's org) to T
    activity: Activity  # published, started, registrations need approval, walk-ins welcome
    draft: Activity  # not published yet
    photo: ActivityPhoto  # of the activity's description
    registration: Registration  # the member's, pending approval


@dataclass
class Case:
    method: str
    build: Callable[[Ctx], tuple[str, dict[str, Any]]]
    role: str = Role.ORG_ADMIN
    # "object": allowed relations succeed, others 404. "list": a marker of the target shows
    # only to allowed relations. "unscoped": every staff member gets the same page.
    # "bulk": a request naming objects by id answers every caller (ids out of scope are left
    # out, as in a list), and `took_effect` holds only after an allowed relation's request.
    # "public": an anonymous API operation (PUBLIC_API): anyone gets `ok`, signed in or not.
    # "own": the caller's own thing (their member card): staff without one get 404.
    # "member": a member's own act (checking in with the screen's code): callers without an
    # active membership get 403 not_a_member.
    kind: str = "object"
    marker: Callable[[Ctx], str] = lambda ctx: ctx.target.name
    api: bool = False
    multipart: bool = False
    ok: set[int] = field(default_factory=lambda: {200, 201, 302})
    headers: dict[str, str] = field(default_factory=dict)
    json_body: bool = False  # a staff page that takes a JSON body (the offline batch)
    took_effect: Callable[[Ctx], bool] | None = None
    read: Callable[[Any], str] | None = None  # the text of a "list" answer that is a file


def someones_export(ctx: "Ctx") -> MemberExport:
    """A finished members export of the subject (a staff member of T)."""
    return MemberExport.objects.create(
        created_by=ctx.subject, within=ctx.target, language="zh-hans", status="done"
    )


def url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def xlsx_text(response: Any) -> str:
    """Every cell of a spreadsheet answer, as one text to look for a marker in."""
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def local(moment: Any) -> str:
    """A datetime as a datetime-local form field sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode())


def application_approved(ctx: Ctx) -> bool:
    return Application.objects.get(pk=ctx.application.pk).status == Application.Status.APPROVED


def application_rejected(ctx: Ctx) -> bool:
    return Application.objects.get(pk=ctx.application.pk).status == Application.Status.REJECTED


def gift_given(ctx: Ctx) -> bool:
    return Application.objects.get(pk=ctx.application.pk).gift_given_at is not None


def transfer_status(status: str) -> Callable[[Ctx], bool]:
    return lambda ctx: Transfer.objects.get(pk=ctx.transfer.pk).status == status


def member_moving(ctx: Ctx) -> bool:
    return Transfer.objects.filter(member=ctx.member, status=Transfer.Status.PENDING).exists()


def member_left(ctx: Ctx) -> bool:
    return Member.objects.get(pk=ctx.member.pk).status == Member.Status.WITHDRAWN


def card_revoked(ctx: Ctx) -> bool:
    return Member.objects.get(pk=ctx.member.pk).card_version > ctx.member.card_version


def registration_status(status: str) -> Callable[[Ctx], bool]:
    return lambda ctx: Registration.objects.get(pk=ctx.registration.pk).status == status


def member_checked_in(ctx: Ctx) -> bool:
    return CheckIn.objects.filter(
        checkpoint_id=ctx.activity.checkpoint_id, member=ctx.member
    ).exists()


def activity_form(c: Ctx, **values: Any) -> dict[str, Any]:
    return {
        "org": c.target.pk,
        "title": "被测活动",
        "category": "seminar",
        "description": "研讨",
        "audience": "subtree",
        "audience_org": "",
        "place": "中关村会堂",
        "starts_at": local(c.activity.starts_at),
        "ends_at": local(c.activity.ends_at),
        "per_person_limit": 1,
        "approval_required": "on",
        **values,
    }


# --- dashboards (dashboards.view) ---


def dashboard_export(c: Ctx, *, written: bool = False) -> Any:
    """An export job of the target's dashboard; `written` runs it so a file is there."""
    from gonghui.dashboards.exports import run_job
    from gonghui.dashboards.models import ExportJob

    job = ExportJob.objects.create(
        kind="job_types",
        org=c.target,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        language="zh-hans",
        created_by=c.subject,
    )
    return run_job(job.pk) if written else job


def dashboard_export_requested(c: Ctx) -> bool:
    from gonghui.dashboards.models import ExportJob

    return ExportJob.objects.filter(org=c.target, kind="events").exists()


def dashboard_api(tile: str) -> Case:
    return Case("GET", lambda c: (f"/api/v1/dashboard/{tile}?org={c.target.pk}", {}), api=True)


DASHBOARD_STAFF_CASES: dict[str, Case] = {
    "dashboards:home": Case("GET", lambda c: (url("dashboards:home") + f"?org={c.target.pk}", {})),
    "dashboards:activities": Case(
        "GET", lambda c: (url("dashboards:activities") + f"?org={c.target.pk}", {})
    ),
    "dashboards:screen": Case(
        "GET", lambda c: (url("dashboards:screen") + f"?org={c.target.pk}", {})
    ),
    "dashboards:summary_xlsx": Case(
        "GET", lambda c: (url("dashboards:summary_xlsx") + f"?org={c.target.pk}", {})
    ),
    "dashboards:export_start": Case(
        "POST",
        lambda c: (url("dashboards:export_start"), {"org": c.target.pk, "kind": "events"}),
        ok={302},
        took_effect=dashboard_export_requested,
    ),
    "dashboards:export_job": Case(
        "GET", lambda c: (url("dashboards:export_job", job_id=dashboard_export(c).pk), {})
    ),
    "dashboards:export_download": Case(
        "GET",
        lambda c: (
            url("dashboards:export_download", job_id=dashboard_export(c, written=True).pk),
            {},
        ),
    ),
}
DASHBOARD_API_CASES: dict[str, Case] = {
    f"get_dashboard_{tile}": dashboard_api(tile)
    for tile in (
        "coverage",
        "recruitment",
        "membership",
        "activities",
        "benefits",
        "care",
        "learning",
        "live",
    )
}


def _station_url(name: str) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    return lambda c: (url(f"stations:{name}", station_id=stations.station_of(c).pk), {})


# Stations (stations.manage): 被测驿站 is run by T (gonghui/stations/tests/matrix.py).
STATION_STAFF_CASES: dict[str, Case] = {
    "stations:staff_list": Case(
        "GET",
        lambda c: (stations.after_station(c, url("stations:staff_list")), {}),
        kind="list",
        marker=lambda c: stations.NAME,
    ),
    "stations:visits_xlsx": Case(
        "GET",
        lambda c: (stations.after_station(c, url("stations:visits_xlsx")), {}),
        kind="list",
        marker=lambda c: stations.NAME,
        read=stations.xlsx_cells,
    ),
    "stations:staff_create": Case(
        "POST",
        lambda c: (url("stations:staff_create"), stations.station_form(c)),
        ok={302},
        took_effect=stations.created("新建驿站"),
    ),
    "stations:staff_detail": Case("GET", _station_url("staff_detail"), ok={200}),
    "stations:staff_edit": Case(
        "POST",
        lambda c: (
            url("stations:staff_edit", station_id=stations.station_of(c).pk),
            {**stations.station_form(c, name="改名驿站"), "version": 1},
        ),
        ok={302},
        took_effect=stations.created("改名驿站"),
    ),
    "stations:staff_deactivate": Case(
        "POST", _station_url("staff_deactivate"), ok={302}, took_effect=stations.deactivated
    ),
    "stations:staff_reactivate": Case("POST", _station_url("staff_reactivate"), ok={302}),
    "stations:staff_photo": Case("GET", _station_url("staff_photo"), ok={200}),
    "stations:poster": Case("GET", _station_url("poster"), ok={200}),
    "stations:poster_replace": Case(
        "POST", _station_url("poster_replace"), ok={302}, took_effect=stations.code_replaced
    ),
}
STATION_API_CASES: dict[str, Case] = {
    "list_stations": Case(
        "GET",
        lambda c: (f"/api/v1/stations?district=海淀区&q={stations.station_of(c).name}", {}),
        kind="public",
        api=True,
        ok={200},
    ),
    "list_station_areas": Case(
        "GET", lambda c: ("/api/v1/stations/areas", {}), kind="public", api=True, ok={200}
    ),
    "get_station": Case(
        "GET",
        lambda c: (f"/api/v1/stations/{stations.station_of(c).pk}", {}),
        kind="public",
        api=True,
        ok={200},
    ),
    "create_station": Case(
        "POST",
        lambda c: ("/api/v1/stations", stations.station_json(c)),
        api=True,
        ok={201},
        took_effect=stations.created("接口新建驿站"),
    ),
    "update_station": Case(
        "PATCH",
        lambda c: (
            f"/api/v1/stations/{stations.station_of(c).pk}",
            {"version": 1, "name": "接口改名驿站"},
        ),
        api=True,
        ok={200},
        took_effect=stations.created("接口改名驿站"),
    ),
    "list_station_visits": Case(
        "GET",
        lambda c: (stations.after_station(c, "/api/v1/stations/visits"), {}),
        kind="list",
        marker=lambda c: stations.NAME,
        api=True,
    ),
    "record_station_visit": Case(
        "POST",
        lambda c: (
            f"/api/v1/stations/{stations.station_of(c).pk}/visits",
            {"code": stations.poster_code_of(c)},
        ),
        kind="member",
        api=True,
    ),
}


# Volunteers (volunteers.manage; checkins.scan for the code and the desk): 被测志愿项目 is
# organised by T, with a shift the matrix's member holds (gonghui/volunteers/tests/matrix.py).
def _vx(name: str, **kwargs: Any) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    def build(c: Ctx) -> tuple[str, dict[str, Any]]:
        values = {key: make(c) for key, make in kwargs.items()}
        return url(f"volunteers:{name}", **values), {}

    return build


def _shift_id(c: Ctx) -> int:
    return volunteers.shift_of(c).pk


VOLUNTEER_STAFF_CASES: dict[str, Case] = {
    "volunteers:staff_projects": Case(
        "GET",
        lambda c: (volunteers.after_shift(c, url("volunteers:staff_projects")), {}),
        kind="list",
        marker=lambda c: volunteers.TITLE,
    ),
    "volunteers:staff_sites": Case(
        "GET",
        lambda c: (volunteers.after_shift(c, url("volunteers:staff_sites")), {}),
        kind="list",
        marker=lambda c: volunteers.SITE,
    ),
    "volunteers:staff_team": Case(
        "GET", _vx("staff_team", team_id=lambda c: volunteers.team_of(c).pk), ok={200}
    ),
    "volunteers:staff_project": Case(
        "GET", _vx("staff_project", project_id=lambda c: volunteers.project_of(c).pk), ok={200}
    ),
    "volunteers:staff_project_publish": Case(
        "POST",
        _vx("staff_project_publish", project_id=lambda c: volunteers.project_of(c).pk),
        ok={302},
    ),
    "volunteers:staff_records_xlsx": Case(
        "GET",
        _vx("staff_records_xlsx", project_id=lambda c: volunteers.project_of(c).pk),
        ok={200},
    ),
    "volunteers:staff_shift": Case("GET", _vx("staff_shift", shift_id=_shift_id), ok={200}),
    "volunteers:staff_certify": Case(
        "POST",
        _vx("staff_certify", shift_id=_shift_id, member_id=lambda c: c.member.pk),
        ok={302},  # refused (no arrival yet) is a flash message on the shift page
    ),
    "volunteers:staff_correction_request": Case(
        "POST",
        _vx("staff_correction_request", shift_id=_shift_id, member_id=lambda c: c.member.pk),
        ok={200},  # an empty form answers with its errors
    ),
    "volunteers:staff_correction_decide": Case(
        "POST",
        lambda c: (
            url(
                "volunteers:staff_correction_decide",
                shift_id=_shift_id(c),
                correction_id=volunteers.correction_of(c).pk,
            ),
            {"decision": "approve"},
        ),
        ok={302},
        took_effect=volunteers.certified,
    ),
    "volunteers:staff_card_scan": Case(
        "POST",
        lambda c: (
            url("volunteers:staff_card_scan", shift_id=_shift_id(c)),
            {"card": c.card, "direction": "arrive"},
        ),
        ok={200},
    ),
    "volunteers:staff_screen": Case("GET", _vx("staff_screen", shift_id=_shift_id), ok={200}),
    "volunteers:staff_screen_code": Case(
        "GET", _vx("staff_screen_code", shift_id=_shift_id), ok={200}
    ),
}
VOLUNTEER_API_CASES: dict[str, Case] = {
    "list_volunteer_projects": Case(
        "GET",
        lambda c: (volunteers.after_shift(c, "/api/v1/volunteers/projects"), {}),
        kind="list",
        marker=lambda c: volunteers.TITLE,
        api=True,
    ),
    "list_volunteer_project_shifts": Case(
        "GET",
        lambda c: (f"/api/v1/volunteers/projects/{volunteers.project_of(c).pk}/shifts", {}),
        api=True,
        ok={200},
    ),
    "get_volunteer_shift_attendance": Case(
        "GET",
        lambda c: (f"/api/v1/volunteers/shifts/{_shift_id(c)}/attendance", {}),
        api=True,
        ok={200},
    ),
    "certify_volunteer_hours": Case(
        "POST",
        lambda c: (
            f"/api/v1/volunteers/shifts/{_shift_id(c)}/certify",
            {"member_id": c.member.pk},
        ),
        api=True,
        ok={409},  # in scope, and refused: no arrival recorded yet
    ),
    "upload_volunteer_reports": Case(
        "POST",
        lambda c: (f"/api/v1/volunteers/shifts/{_shift_id(c)}/reports/batch", volunteers.batch(c)),
        api=True,
        ok={200},  # answered per item (scanned before the window opens: not_open)
    ),
    "list_open_volunteer_shifts": Case(
        "GET", lambda c: ("/api/v1/volunteers/shifts", {}), kind="own", api=True
    ),
    "sign_up_for_volunteer_shift": Case(
        "POST",
        lambda c: (f"/api/v1/volunteers/shifts/{_shift_id(c)}/sign-up", {}),
        kind="own",
        api=True,
    ),
    "cancel_volunteer_shift": Case(
        "POST",
        lambda c: (f"/api/v1/volunteers/shifts/{_shift_id(c)}/cancel", {}),
        kind="own",
        api=True,
    ),
    "swap_volunteer_shift": Case(
        "POST",
        lambda c: (
            f"/api/v1/volunteers/shifts/{_shift_id(c)}/swap",
            {"to_shift_id": _shift_id(c)},
        ),
        kind="own",
        api=True,
    ),
    "report_for_volunteer_duty": Case(
        "POST",
        lambda c: (f"/api/v1/volunteers/shifts/{_shift_id(c)}/duty", {"code": "GC1.1.1.A"}),
        kind="own",
        api=True,
    ),
    "get_my_volunteer_hours": Case(
        "GET", lambda c: ("/api/v1/me/volunteering", {}), kind="own", api=True
    ),
}


# Innovation (reviews.manage): 被测五小征集 is run by T (gonghui/innovation/tests/matrix.py).
def _ix(name: str, **ids: Callable[[Any], int]) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    return lambda c: (url(f"innovation:{name}", **{k: f(c) for k, f in ids.items()}), {})


def _call_id(c: Ctx) -> int:
    return innovation.objects_of(c).call.pk


def _entry_id(c: Ctx) -> int:
    return innovation.objects_of(c).entry.pk


def _poll_id(c: Ctx) -> int:
    return innovation.objects_of(c).poll.pk


def _with(
    build: Callable[[Ctx], tuple[str, dict[str, Any]]], form: Callable[[Ctx], dict[str, Any]]
) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    return lambda c: (build(c)[0], form(c))


INNOVATION_STAFF_CASES: dict[str, Case] = {
    "innovation:staff_calls": Case(
        "GET",
        lambda c: (innovation.after(c, url("innovation:staff_calls")), {}),
        kind="list",
        marker=lambda c: innovation.CALL,
    ),
    "innovation:staff_call_create": Case(
        "POST",
        lambda c: (url("innovation:staff_call_create"), innovation.call_form(c)),
        ok={302},
        took_effect=innovation.call_created,
    ),
    "innovation:staff_call": Case("GET", _ix("staff_call", call_id=_call_id)),
    "innovation:staff_rubric": Case(
        "POST",
        _with(_ix("staff_rubric", call_id=_call_id), lambda c: {"criteria": "创新 | 2 | 0 | 5"}),
        ok={302},
        took_effect=innovation.rubric_versioned,
    ),
    "innovation:staff_review_start": Case(
        "POST",
        _ix("staff_review_start", call_id=_call_id),
        ok={302},
        took_effect=innovation.review_started,
    ),
    "innovation:staff_assign": Case(
        "POST",
        _with(
            _ix("staff_assign", call_id=_call_id, entry_id=_entry_id),
            lambda c: {"reviewer": "juror-matrix"},
        ),
        ok={302},
        took_effect=innovation.juror_assigned,
    ),
    "innovation:staff_assign_balanced": Case(
        "POST",
        _with(
            _ix("staff_assign_balanced", call_id=_call_id),
            lambda c: {"jurors": "juror-matrix", "per_entry": 1},
        ),
        ok={302},
        took_effect=innovation.juror_assigned,
    ),
    "innovation:staff_conflict": Case(
        "POST",
        _with(
            _ix("staff_conflict", call_id=_call_id),
            lambda c: {"reviewer": "juror-matrix", "unit": c.target.pk, "reason": "亲属"},
        ),
        ok={302},
        took_effect=innovation.conflict_declared,
    ),
    "innovation:staff_nominate": Case(
        "POST",
        lambda c: (
            url("innovation:staff_nominate", call_id=innovation.objects_of(c).nominations.pk),
            {"unit": c.target.pk, "nominee": "王师傅", "title": "技术革新能手", "summary": "事迹"},
        ),
        ok={302},
        took_effect=innovation.nominated,
    ),
    "innovation:staff_ranking": Case("GET", _ix("staff_ranking", call_id=_call_id)),
    "innovation:staff_scores_xlsx": Case("GET", _ix("staff_scores_xlsx", call_id=_call_id)),
    "innovation:staff_poll_create": Case(
        "POST",
        _with(
            _ix("staff_poll_create", call_id=_call_id),
            lambda c: {
                "title": "新建投票",
                "electorate": c.target.pk,
                "opens": timezone.localdate().isoformat(),
                "closes": (timezone.localdate() + timedelta(days=3)).isoformat(),
                "jury_weight": 50,
                "vote_weight": 50,
            },
        ),
        ok={302},
        took_effect=innovation.poll_created,
    ),
    "innovation:staff_entry": Case(
        "POST",
        _with(
            _ix("staff_entry", entry_id=_entry_id),
            lambda c: {"decision": "awarded", "award_level": "一等奖", "reason": "评分第一"},
        ),
        ok={302},
        took_effect=innovation.decided,
    ),
    "innovation:staff_file": Case(
        "GET",
        lambda c: (
            url(
                "innovation:staff_file",
                entry_id=_entry_id(c),
                attachment_id=innovation.objects_of(c).attachment.pk,
            ),
            {},
        ),
    ),
    "innovation:staff_poll": Case("GET", _ix("staff_poll", poll_id=_poll_id)),
    "innovation:staff_poll_step": Case(
        "POST",
        lambda c: (url("innovation:staff_poll_step", poll_id=_poll_id(c), step="open"), {}),
        ok={302},
        took_effect=innovation.poll_opened,
    ),
    "innovation:staff_quarantine": Case(
        "POST",
        _with(
            _ix("staff_quarantine", poll_id=_poll_id),
            lambda c: {"signal": "network", "value": "0" * 64, "reason": "同一网络"},
        ),
        ok={302},
    ),
}


# Benefits (benefits.manage): 被测服务商 and its 被测服务 are managed by T; the matrix's member
# holds a claim (gonghui/benefits/tests/matrix.py). Member and provider-account operations are
# "own": staff without a membership or a provider account get 404 (provider accounts have their
# own tests in gonghui/benefits/tests/test_provider_access.py).
def _bx(name: str, key: str) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    return lambda c: (
        url(f"benefits:{name}", **{key: getattr(benefits.objects_of(c), key[:-3]).pk}),
        {},
    )


BENEFITS_STAFF_CASES: dict[str, Case] = {
    "benefits:staff_services": Case(
        "GET",
        lambda c: (benefits.after(c, url("benefits:staff_services")), {}),
        kind="list",
        marker=lambda c: benefits.SERVICE,
    ),
    "benefits:staff_service_create": Case(
        "POST",
        lambda c: (url("benefits:staff_service_create"), benefits.service_form(c)),
        ok={302},
        took_effect=benefits.service_titled("新建服务"),
    ),
    "benefits:staff_service": Case("GET", _bx("staff_service", "service_id"), ok={200}),
    "benefits:staff_service_edit": Case(
        "POST",
        lambda c: (
            url("benefits:staff_service_edit", service_id=benefits.objects_of(c).service.pk),
            benefits.service_form(c, title="改名服务", version=1),
        ),
        ok={302},
        took_effect=benefits.service_titled("改名服务"),
    ),
    "benefits:staff_service_status": Case(
        "POST",
        lambda c: (_bx("staff_service_status", "service_id")(c)[0], {"status": "withdrawn"}),
        ok={302},
        took_effect=benefits.service_withdrawn,
    ),
    "benefits:staff_offer_create": Case(
        "POST",
        lambda c: (_bx("staff_offer_create", "service_id")(c)[0], benefits.offer_form(c)),
        ok={302},
        took_effect=benefits.offer_titled("新建优惠"),
    ),
    "benefits:staff_photo": Case("GET", _bx("staff_photo", "photo_id"), ok={200}),
    "benefits:staff_offer": Case("GET", _bx("staff_offer", "offer_id"), ok={200}),
    "benefits:staff_offer_edit": Case(
        "POST",
        lambda c: (
            _bx("staff_offer_edit", "offer_id")(c)[0],
            benefits.offer_form(c, title="改名优惠", version=1),
        ),
        ok={302},
        took_effect=benefits.offer_titled("改名优惠"),
    ),
    "benefits:staff_offer_status": Case(
        "POST",
        lambda c: (_bx("staff_offer_status", "offer_id")(c)[0], {"status": "withdrawn"}),
        ok={302},
        took_effect=benefits.offer_withdrawn,
    ),
    "benefits:staff_providers": Case(
        "GET",
        lambda c: (benefits.after(c, url("benefits:staff_providers")), {}),
        kind="list",
        marker=lambda c: benefits.PROVIDER,
    ),
    "benefits:staff_provider_create": Case(
        "POST",
        lambda c: (url("benefits:staff_provider_create"), benefits.provider_form(c)),
        ok={302},
        took_effect=benefits.provider_named("新建服务商"),
    ),
    "benefits:staff_provider": Case("GET", _bx("staff_provider", "provider_id"), ok={200}),
    "benefits:staff_provider_edit": Case(
        "POST",
        lambda c: (
            _bx("staff_provider_edit", "provider_id")(c)[0],
            benefits.provider_form(c, name="改名服务商", is_active="on", version=1),
        ),
        ok={302},
        took_effect=benefits.provider_named("改名服务商"),
    ),
    "benefits:staff_account_create": Case(
        "POST",
        lambda c: (
            _bx("staff_account_create", "provider_id")(c)[0],
            {"username": "new_desk", "name": "新核销员", "password": "New-Desk-Pass-2026"},
        ),
        ok={302},
        took_effect=benefits.account_created,
    ),
    "benefits:staff_account_active": Case(
        "POST",
        lambda c: (_bx("staff_account_active", "account_id")(c)[0], {"active": "0"}),
        ok={302},
        took_effect=benefits.account_locked,
    ),
    "benefits:staff_categories": Case(
        "POST",
        lambda c: (url("benefits:staff_categories"), {"org": c.target.pk, "name": "被测类别"}),
        ok={302},
        took_effect=benefits.category_added,
    ),
    "benefits:staff_usage": Case(
        "GET", lambda c: (url("benefits:staff_usage") + f"?org={c.target.pk}", {}), ok={200}
    ),
    "benefits:staff_usage_xlsx": Case(
        "GET", lambda c: (url("benefits:staff_usage_xlsx") + f"?org={c.target.pk}", {}), ok={200}
    ),
}
BENEFITS_API_CASES: dict[str, Case] = {
    "list_service_categories": Case(
        "GET", lambda c: ("/api/v1/service-categories", {}), kind="unscoped", api=True
    ),
    "list_directory_services": Case(
        "GET", lambda c: (benefits.after(c, "/api/v1/services"), {}), kind="unscoped", api=True
    ),
    "get_directory_service": Case(
        "GET",
        lambda c: (f"/api/v1/services/{benefits.objects_of(c).service.pk}", {}),
        kind="own",
        api=True,
    ),
    "claim_offer": Case(
        "POST",
        lambda c: (f"/api/v1/offers/{benefits.objects_of(c).offer.pk}/claim", {}),
        kind="own",
        api=True,
    ),
    "list_my_claims": Case("GET", lambda c: ("/api/v1/me/claims", {}), kind="own", api=True),
    "get_my_claim": Case(
        "GET",
        lambda c: (f"/api/v1/me/claims/{benefits.objects_of(c).claim.pk}", {}),
        kind="own",
        api=True,
    ),
    "inspect_redemption_code": Case(
        "POST",
        lambda c: ("/api/v1/provider/lookup", {"code": benefits.objects_of(c).code}),
        kind="own",
        api=True,
    ),
    "redeem_claim": Case(
        "POST",
        lambda c: ("/api/v1/provider/redemptions", {"code": benefits.objects_of(c).code}),
        kind="own",
        api=True,
    ),
    "upload_redemptions": Case(
        "POST",
        lambda c: (
            "/api/v1/provider/redemptions/batch",
            {
                "device": "d",
                "items": [
                    {
                        "nonce": "n",
                        "code": benefits.objects_of(c).code,
                        "scanned_at": "2026-11-25T10:00:00+08:00",
                    }
                ],
            },
        ),
        kind="own",
        api=True,
    ),
    "list_benefit_providers": Case(
        "GET",
        lambda c: (benefits.after(c, "/api/v1/benefits/providers"), {}),
        kind="list",
        marker=lambda c: benefits.PROVIDER,
        api=True,
    ),
    "create_benefit_provider": Case(
        "POST",
        lambda c: (
            "/api/v1/benefits/providers",
            {"org_id": c.target.pk, "name": "接口新建服务商", "kind": "union"},
        ),
        api=True,
        ok={201},
        took_effect=benefits.provider_named("接口新建服务商"),
    ),
    "list_managed_services": Case(
        "GET",
        lambda c: (benefits.after(c, "/api/v1/benefits/services"), {}),
        kind="list",
        marker=lambda c: benefits.SERVICE,
        api=True,
    ),
    "create_benefit_service": Case(
        "POST",
        lambda c: (
            "/api/v1/benefits/services",
            {
                "provider_id": benefits.objects_of(c).provider.pk,
                "category": "dining",
                "title": "接口新建服务",
                "phone": "010-3",
                "audience": "public",
            },
        ),
        api=True,
        ok={201},
        took_effect=benefits.service_titled("接口新建服务"),
    ),
    "create_benefit_offer": Case(
        "POST",
        lambda c: ("/api/v1/benefits/offers", benefits.offer_json(c)),
        api=True,
        ok={201},
        took_effect=benefits.offer_titled("接口新建优惠"),
    ),
    "get_benefit_offer": Case(
        "GET",
        lambda c: (f"/api/v1/benefits/offers/{benefits.objects_of(c).offer.pk}", {}),
        api=True,
        ok={200},
    ),
    "get_benefit_usage": Case(
        "GET", lambda c: (f"/api/v1/benefits/usage?org_id={c.target.pk}", {}), api=True, ok={200}
    ),
}


# Care campaigns and the ledger (care.manage, ledger.*): 被测慰问活动 is organised by T
# (gonghui/care/tests/matrix.py).
def _campaign_url(name: str, **more: Any) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    return lambda c: (url(f"care:{name}", campaign_id=care.campaign_of(c).pk, **more), {})


def _at_target(name: str) -> Callable[[Ctx], tuple[str, dict[str, Any]]]:
    def build(c: Ctx) -> tuple[str, dict[str, Any]]:
        care.campaign_of(c)
        return url(f"care:{name}") + f"?org={c.target.pk}", {}

    return build


CARE_STAFF_CASES: dict[str, Case] = {
    "care:list": Case("GET", _at_target("list")),
    "care:reconciliation": Case("GET", _at_target("reconciliation")),
    "care:ledger": Case("GET", _at_target("ledger")),
    "care:ledger_xlsx": Case("GET", _at_target("ledger_xlsx")),
    "care:sites": Case(
        "GET",
        lambda c: (care.after_campaign(c, url("care:sites")), {}),
        kind="list",
        marker=lambda c: care.SITE,
    ),
    "care:create": Case(
        "POST",
        lambda c: (url("care:create"), care.campaign_form(c)),
        ok={302},
        took_effect=care.named(Campaign, "新建慰问", "title"),
    ),
    "care:detail": Case("GET", _campaign_url("detail")),
    "care:xlsx": Case("GET", _campaign_url("xlsx")),
    "care:publish": Case("POST", _campaign_url("publish"), ok={302}, took_effect=care.published),
    "care:post": Case(
        "POST",
        lambda c: (
            url("care:post", campaign_id=care.campaign_of(c).pk, which="stock"),
            care.stock_form(c),
        ),
        ok={302},
        took_effect=care.purchases,
    ),
    "care:delivery_note": Case(
        "GET",
        lambda c: (
            url(
                "care:delivery_note",
                campaign_id=care.campaign_of(c).pk,
                shipment_id=care.shipment_of(c).pk,
            ),
            {},
        ),
    ),
    "care:reverse": Case(
        "POST",
        lambda c: (
            url("care:reverse", entry_id=care.relief_entry_of(c).pk),
            {"reason": "发错了", "next": "/staff/care/"},
        ),
        ok={302},
        took_effect=care.reversed_,
    ),
}
CARE_API_CASES: dict[str, Case] = {
    "list_care_campaigns": Case(
        "GET",
        lambda c: (care.after_campaign(c, "/api/v1/care/campaigns"), {}),
        kind="list",
        api=True,
        marker=lambda c: care.TITLE,
    ),
    "get_care_campaign": Case(
        "GET", lambda c: (f"/api/v1/care/campaigns/{care.campaign_of(c).pk}", {}), api=True
    ),
    "create_care_campaign": Case(
        "POST",
        lambda c: (
            "/api/v1/care/campaigns",
            {
                "org_id": c.target.pk,
                "title": "接口慰问",
                "starts_on": care.today(),
                "ends_on": care.today(),
                "budgets": {"special": 100},
            },
        ),
        api=True,
        ok={201},
        took_effect=care.named(Campaign, "接口慰问", "title"),
    ),
    "create_care_site": Case(
        "POST",
        lambda c: (
            "/api/v1/care/sites",
            {"org_id": c.target.pk, "name": "接口网点", "kind": "depot"},
        ),
        api=True,
        ok={201},
        took_effect=care.named(CareSite, "接口网点"),
    ),
    "create_care_item": Case(
        "POST",
        lambda c: ("/api/v1/care/items", {"org_id": c.target.pk, "name": "接口物资", "unit": "份"}),
        api=True,
        ok={201},
        took_effect=care.named(Item, "接口物资"),
    ),
    "receive_care_stock": Case(
        "POST",
        lambda c: (
            f"/api/v1/care/campaigns/{care.campaign_of(c).pk}/stock",
            {
                "item_id": care.item_of(c).pk,
                "fund": "special",
                "supplier": "华联",
                "unit_price": 100,
                "quantity": 2,
                "day": care.today(),
            },
        ),
        api=True,
        ok={201},
        took_effect=care.purchases,
    ),
    "ship_care_goods": Case(
        "POST",
        lambda c: (
            f"/api/v1/care/campaigns/{care.campaign_of(c).pk}/shipments",
            {
                "site_id": care.site_of(c).pk,
                "item_id": care.item_of(c).pk,
                "fund": "special",
                "quantity": 2,
                "day": care.today(),
            },
        ),
        api=True,
        ok={201},
        took_effect=care.shipments,
    ),
    "give_care_relief": Case(
        "POST",
        lambda c: (
            f"/api/v1/care/campaigns/{care.campaign_of(c).pk}/relief",
            {
                "site_id": care.site_of(c).pk,
                "member_id": c.member.pk,
                "kind": "goods",
                "fund": "special",
                "item_id": care.item_of(c).pk,
                "quantity": 1,
            },
        ),
        api=True,
        ok={201},
        took_effect=care.goods_relief,
    ),
    "upload_care_relief": Case(
        "POST",
        lambda c: (
            f"/api/v1/care/campaigns/{care.campaign_of(c).pk}/relief/batch",
            {
                "site_id": care.site_of(c).pk,
                "device": "d1",
                "items": [
                    {
                        "nonce": "n1",
                        "member_id": c.member.pk,
                        "kind": "goods",
                        "fund": "special",
                        "item_id": care.item_of(c).pk,
                        "quantity": 1,
                        "handed_at": timezone.now().isoformat(),
                    }
                ],
            },
        ),
        api=True,
        ok={200},
        took_effect=care.goods_relief,
    ),
    "publish_care_disclosure": Case(
        "POST",
        lambda c: (f"/api/v1/care/campaigns/{care.campaign_of(c).pk}/disclosure", {}),
        api=True,
        ok={201},
        took_effect=care.published,
    ),
    "get_ledger_balances": Case(
        "GET",
        lambda c: (care.after_campaign(c, f"/api/v1/ledger/balances?org_id={c.target.pk}"), {}),
        api=True,
    ),
    "reverse_ledger_entry": Case(
        "POST",
        lambda c: (
            f"/api/v1/ledger/entries/{care.relief_entry_of(c).pk}/reversal",
            {"reason": "错"},
        ),
        api=True,
        ok={201},
        took_effect=care.reversed_,
    ),
    "close_ledger_period": Case(
        "POST",
        lambda c: ("/api/v1/ledger/closes", {"org_id": c.target.pk, "through": care.yesterday()}),
        api=True,
        ok={201},
        took_effect=care.closed,
    ),
}


LEARNING_STAFF_CASES: dict[str, Case] = {
    "learning:staff_home": Case(
        "GET", lambda c: (url("learning:staff_home") + f"?org={c.target.pk}", {})
    ),
    "learning:staff_course_create": Case(
        "POST",
        lambda c: (url("learning:staff_course_create"), learning.course_form(c)),
        ok={302},
        took_effect=learning.course_created,
    ),
    "learning:staff_course": Case(
        "GET", lambda c: (url("learning:staff_course", course_id=learning.course_of(c).pk), {})
    ),
    "learning:staff_campaign_create": Case(
        "POST",
        lambda c: (url("learning:staff_campaign_create"), learning.campaign_form(c)),
        ok={302},
        took_effect=learning.campaign_created,
    ),
    "learning:staff_campaign": Case(
        "GET",
        lambda c: (url("learning:staff_campaign", campaign_id=learning.campaign_of(c).pk), {}),
    ),
    "learning:staff_campaign_xlsx": Case(
        "GET",
        lambda c: (url("learning:staff_campaign_xlsx", campaign_id=learning.campaign_of(c).pk), {}),
    ),
}
LEARNING_API_CASES: dict[str, Case] = {
    "list_courses": Case(
        "GET", lambda c: ("/api/v1/learning/courses", {}), kind="public", api=True, ok={200}
    ),
    "get_course": Case(
        "GET",
        lambda c: (f"/api/v1/learning/courses/{learning.course_of(c).pk}", {}),
        kind="public",
        api=True,
        ok={200},
    ),
    "get_lesson": Case(
        "GET",
        lambda c: (f"/api/v1/learning/lessons/{learning.lesson_of(c).pk}", {}),
        kind="public",
        api=True,
        ok={200},
    ),
    "record_progress": Case(
        "POST",
        lambda c: ("/api/v1/learning/progress", learning.progress_json(c)),
        kind="member",
        api=True,
        ok={200},
    ),
    "list_campaigns": Case(
        "GET",
        lambda c: (f"/api/v1/learning/campaigns?org_id={c.target.pk}", {}),
        api=True,
    ),
    "list_campaign_units": Case(
        "GET",
        lambda c: (f"/api/v1/learning/campaigns/{learning.campaign_of(c).pk}/units", {}),
        api=True,
    ),
}


STAFF_CASES: dict[str, Case] = {
    **DASHBOARD_STAFF_CASES,
    **VOLUNTEER_STAFF_CASES,
    **CARE_STAFF_CASES,
    **LEARNING_STAFF_CASES,
    **STATION_STAFF_CASES,
    **BENEFITS_STAFF_CASES,
    **INNOVATION_STAFF_CASES,
    "web:staff_home": Case("GET", lambda c: (url("web:staff_home"), {}), kind="unscoped"),
    "web:audit_log": Case("GET", lambda c: (url("web:audit_log"), {}), kind="list"),
    "orgs:tree": Case("GET", lambda c: (url("orgs:tree") + "?q=中关村", {}), kind="list"),
    "orgs:detail": Case("GET", lambda c: (url("orgs:detail", org_id=c.target.pk), {})),
    "orgs:children": Case("GET", lambda c: (url("orgs:children", org_id=c.target.pk), {})),
    "orgs:create": Case(
        "POST",
        lambda c: (
            url("orgs:create", org_id=c.target.pk),
            {"name": "新建驿站", "kind": OrgKind.STATION},
        ),
    ),
    "orgs:edit": Case(
        "POST",
        lambda c: (
            url("orgs:edit", org_id=c.target.pk),
            {"name": c.target.name, "address": "中关村大街", "version": c.target.version},
        ),
    ),
    "orgs:move": Case(
        "POST",
        lambda c: (url("orgs:move", org_id=c.child.pk), {"new_parent": c.second_child.pk}),
        role=Role.FEDERATION_ADMIN,
    ),
    "orgs:set_active": Case(
        "POST", lambda c: (url("orgs:set_active", org_id=c.target.pk), {"active": "0"})
    ),
    "accounts:staff_list": Case(
        "GET", lambda c: (url("accounts:staff_list"), {}), kind="list", marker=lambda c: "被测干部"
    ),
    "accounts:staff_create": Case(
        "POST",
        lambda c: (
            url("accounts:staff_create", org_id=c.target.pk),
            {
                "username": "new_staff",
                "name": "新干部",
                "mobile": "13700001111",
                "password": "Zhong-Guan-Cun-2026",
                "role": Role.VIEWER,
            },
        ),
    ),
    "accounts:staff_detail": Case(
        "GET", lambda c: (url("accounts:staff_detail", staff_id=c.subject.pk), {})
    ),
    "accounts:staff_reveal_mobile": Case(
        "POST", lambda c: (url("accounts:staff_reveal_mobile", staff_id=c.subject.pk), {})
    ),
    "accounts:staff_set_active": Case(
        "POST",
        lambda c: (url("accounts:staff_set_active", staff_id=c.subject.pk), {"active": "0"}),
    ),
    "accounts:staff_reset_two_factor": Case(
        "POST",
        lambda c: (url("accounts:staff_reset_two_factor", staff_id=c.subject.pk), {}),
        took_effect=lambda c: AuditEntry.objects.filter(
            action="accounts.two_factor.reset", target_id=str(c.subject.pk)
        ).exists(),
    ),
    "accounts:security": Case("GET", lambda c: (url("accounts:security"), {}), kind="unscoped"),
    "accounts:two_factor_setup": Case(
        "GET", lambda c: (url("accounts:two_factor_setup"), {}), kind="unscoped"
    ),
    "accounts:grant_create": Case(
        "POST",
        lambda c: (
            url("accounts:grant_create", staff_id=c.subject.pk),
            {"org": c.target.pk, "role": Role.VIEWER},
        ),
    ),
    "accounts:grant_revoke": Case(
        "POST", lambda c: (url("accounts:grant_revoke", grant_id=c.subject_grant.pk), {})
    ),
    "accounts:roles": Case("GET", lambda c: (url("accounts:roles"), {}), kind="unscoped"),
    "enterprises:list": Case(
        "GET", lambda c: (url("enterprises:list"), {}), kind="list", marker=lambda c: "被测企业"
    ),
    "enterprises:create": Case(
        "POST",
        lambda c: (
            url("enterprises:create"),
            {
                "org": c.target.pk,
                "name": "新登记企业",
                "credit_code": credit_code(),
                "industry": "I",
                "headcount": 10,
                "gig_headcount": 0,
            },
        ),
    ),
    "enterprises:import": Case(
        "POST",
        lambda c: (
            url("enterprises:import"),
            {"org": c.target.pk, "file": SimpleUploadedFile("a.csv", "企业名称\n".encode())},
        ),
    ),
    "enterprises:detail": Case(
        "GET", lambda c: (url("enterprises:detail", enterprise_id=c.enterprise.pk), {})
    ),
    "enterprises:edit": Case(
        "POST",
        lambda c: (
            url("enterprises:edit", enterprise_id=c.enterprise.pk),
            {
                "name": "被测企业",
                "credit_code": c.enterprise.credit_code,
                "industry": "M",
                "headcount": 20,
                "gig_headcount": 1,
                "version": c.enterprise.version,
            },
        ),
    ),
    "enterprises:reveal_contact": Case(
        "POST", lambda c: (url("enterprises:reveal_contact", enterprise_id=c.enterprise.pk), {})
    ),
    "enterprises:case_open": Case(
        "POST",
        lambda c: (
            url("enterprises:case_open", enterprise_id=c.second_enterprise.pk),
            {"happened_on": "2026-07-28", "responsible": c.subject.pk},
        ),
    ),
    "enterprises:case_advance": Case(
        "POST",
        lambda c: (
            url("enterprises:case_advance", case_id=c.case.pk),
            {"to_stage": 4, "happened_on": "2026-10-19", "responsible": c.subject.pk},
        ),
    ),
    "enterprises:case_step_back": Case(
        "POST",
        lambda c: (
            url("enterprises:case_step_back", case_id=c.case.pk),
            {"from_stage": 3, "happened_on": "2026-10-20", "reason": "重新召开"},
        ),
    ),
    "enterprises:case_attach": Case(
        "POST",
        lambda c: (
            url("enterprises:case_attach", case_id=c.case.pk),
            {"document": SimpleUploadedFile("m.pdf", b"%PDF-1.7 minutes")},
        ),
    ),
    "enterprises:document": Case(
        "GET", lambda c: (url("enterprises:document", document_id=c.document.pk), {})
    ),
    "enterprises:board": Case(
        "GET", lambda c: (url("enterprises:board") + f"?org={c.target.pk}", {})
    ),
    "enterprises:coverage": Case(
        "GET", lambda c: (url("enterprises:coverage") + f"?org={c.target.pk}", {})
    ),
    "web:import_job": Case("GET", lambda c: (url("web:import_job", job_id=c.job.pk), {})),
    "web:import_confirm": Case("POST", lambda c: (url("web:import_confirm", job_id=c.job.pk), {})),
    "web:import_cancel": Case("POST", lambda c: (url("web:import_cancel", job_id=c.job.pk), {})),
    "web:import_annotated": Case(
        "GET", lambda c: (url("web:import_annotated", job_id=c.job.pk), {})
    ),
    "web:import_template": Case(
        "GET", lambda c: (url("web:import_template", kind="enterprises"), {}), kind="unscoped"
    ),
    "accounts:tokens": Case("GET", lambda c: (url("accounts:tokens"), {}), kind="unscoped"),
    # --- recruitment (members.view / members.recruit) ---
    "members:events": Case(
        "GET", lambda c: (url("members:events"), {}), kind="list", marker=lambda c: "被测招募活动"
    ),
    "members:event_create": Case(
        "POST",
        lambda c: (
            url("members:event_create"),
            {
                "org": c.target.pk,
                "title": "新招募活动",
                "place": "中关村广场",
                "starts_at": "2026-09-01T09:00",
                "ends_at": "2026-09-01T17:00",
                "target": 100,
                "gift_stock": 0,
            },
        ),
        ok={302},
    ),
    "enterprises:pick": Case(
        "GET",
        lambda c: (url("enterprises:pick") + "?cap=members.recruit&enterprise_text=被测", {}),
        kind="list",
        marker=lambda c: "被测企业",
    ),
    "orgs:pick": Case(
        "GET",
        lambda c: (url("orgs:pick") + "?cap=members.recruit&org_text=中关村科学城", {}),
        kind="list",
    ),
    "members:event_detail": Case(
        "GET", lambda c: (url("members:event_detail", event_id=c.recruitment.pk), {}), ok={200}
    ),
    "members:event_restock": Case(
        "POST",
        lambda c: (url("members:event_restock", event_id=c.recruitment.pk), {"added": 5}),
        ok={302},
    ),
    "members:event_poster": Case(
        "GET", lambda c: (url("members:event_poster", event_id=c.recruitment.pk), {}), ok={200}
    ),
    "members:event_screen": Case(
        "GET", lambda c: (url("members:event_screen", event_id=c.recruitment.pk), {}), ok={200}
    ),
    "members:event_gifts": Case(
        "GET", lambda c: (url("members:event_gifts", event_id=c.recruitment.pk), {}), ok={200}
    ),
    "members:event_give_gift": Case(
        "POST",
        lambda c: (
            url(
                "members:event_give_gift",
                event_id=c.recruitment.pk,
                application_id=c.application.pk,
            ),
            {},
        ),
        ok={302},
        took_effect=gift_given,
    ),
    # --- review (members.view / members.review / personal_data.view) ---
    "members:review": Case(
        "GET", lambda c: (url("members:review"), {}), kind="list", marker=lambda c: "被测申请人"
    ),
    "members:bulk_approve": Case(
        "POST",
        lambda c: (url("members:bulk_approve"), {"ids": [c.application.pk]}),
        kind="bulk",
        took_effect=application_approved,
        ok={200, 302},
    ),
    "members:application_detail": Case(
        "GET",
        lambda c: (url("members:application_detail", application_id=c.application.pk), {}),
        ok={200},
    ),
    "members:application_reveal": Case(
        "POST",
        lambda c: (
            url("members:application_reveal", application_id=c.application.pk, field="mobile"),
            {},
        ),
        ok={200},
    ),
    "members:approve": Case(
        "POST",
        lambda c: (url("members:approve", application_id=c.application.pk), {}),
        ok={302},
        took_effect=application_approved,
    ),
    "members:reject": Case(
        "POST",
        lambda c: (
            url("members:reject", application_id=c.application.pk),
            {"reason": "信息不全"},
        ),
        ok={302},
        took_effect=application_rejected,
    ),
    # --- members (members.view / members.manage / personal_data.view) ---
    "members:members": Case(
        "GET", lambda c: (url("members:members"), {}), kind="list", marker=lambda c: "被测会员"
    ),
    "members:member_detail": Case(
        "GET", lambda c: (url("members:member_detail", member_id=c.member.pk), {}), ok={200}
    ),
    "members:member_reveal": Case(
        "POST",
        lambda c: (url("members:member_reveal", member_id=c.member.pk, field="id_number"), {}),
        ok={200},
    ),
    "members:member_transfer": Case(
        "POST",
        lambda c: (
            url("members:member_transfer", member_id=c.member.pk),
            {"to_org": c.hlg.pk, "new_employer_name": "顺丰速运"},
        ),
        ok={302},
        took_effect=member_moving,
    ),
    # Receiving unions are public names: every staff member gets the same suggestions.
    "members:union_pick": Case(
        "GET",
        lambda c: (url("members:union_pick") + "?to_org_text=回龙观", {}),
        kind="unscoped",
    ),
    "members:member_leave": Case(
        "POST",
        lambda c: (
            url("members:member_leave", member_id=c.member.pk),
            {"status": "withdrawn", "reason": "本人申请"},
        ),
        ok={302},
        took_effect=member_left,
    ),
    "members:revoke_card": Case(
        "POST",
        lambda c: (url("members:revoke_card", member_id=c.member.pk), {"reason": "手机丢失"}),
        ok={302},
        took_effect=card_revoked,
    ),
    # --- transfers: both unions see one; the receiving union (T) decides ---
    "members:transfers": Case(
        "GET", lambda c: (url("members:transfers"), {}), kind="list", marker=lambda c: "被转会员"
    ),
    "members:transfer_detail": Case(
        "GET", lambda c: (url("members:transfer_detail", transfer_id=c.transfer.pk), {}), ok={200}
    ),
    "members:transfer_accept": Case(
        "POST",
        lambda c: (url("members:transfer_accept", transfer_id=c.transfer.pk), {}),
        ok={302},
        took_effect=transfer_status(Transfer.Status.ACCEPTED),
    ),
    "members:transfer_decline": Case(
        "POST",
        lambda c: (
            url("members:transfer_decline", transfer_id=c.transfer.pk),
            {"reason": "不在本辖区"},
        ),
        ok={302},
        took_effect=transfer_status(Transfer.Status.DECLINED),
    ),
    # --- rosters (members.manage + imports.run; the masked export needs members.view) ---
    "members:roster_import": Case(
        "POST",
        lambda c: (
            url("members:roster_import"),
            {"org": c.target.pk, "file": csv_upload("姓名,身份证号,手机号\n")},
        ),
        ok={302},
        took_effect=lambda c: ImportJob.objects.filter(kind="members").exists(),
    ),
    "members:roster_export": Case(
        "GET",
        lambda c: (url("members:roster_export"), {}),
        kind="list",
        marker=lambda c: "被测会员",
        read=xlsx_text,
    ),
    "members:roster_export_start": Case(
        "POST",
        lambda c: (url("members:roster_export_start"), {"org": c.target.pk}),
        ok={302},
        took_effect=lambda c: MemberExport.objects.exists(),
    ),
    # another staff member's export (its requester's only): 404 for every caller
    "members:roster_export_job": Case(
        "GET",
        lambda c: (url("members:roster_export_job", export_id=someones_export(c).pk), {}),
        kind="own",
    ),
    "members:roster_export_file": Case(
        "GET",
        lambda c: (url("members:roster_export_file", export_id=someones_export(c).pk), {}),
        kind="own",
    ),
    # --- activities (events.manage / checkins.scan) ---
    "events:staff_list": Case(
        "GET", lambda c: (url("events:staff_list"), {}), kind="list", marker=lambda c: "被测活动"
    ),
    "events:staff_create": Case(
        "POST",
        lambda c: (
            url("events:staff_create"),
            activity_form(
                c,
                title="新活动",
                starts_at="2026-09-01T09:00",
                ends_at="2026-09-01T12:00",
            ),
        ),
        ok={302},
    ),
    "events:staff_photo": Case(
        "GET", lambda c: (url("events:staff_photo", photo_id=c.photo.pk), {}), ok={200}
    ),
    "events:staff_detail": Case(
        "GET", lambda c: (url("events:staff_detail", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:staff_edit": Case(
        "POST",
        lambda c: (
            url("events:staff_edit", activity_id=c.activity.pk),
            activity_form(c, place="中关村会堂二层", version=c.activity.version),
        ),
        ok={302},
    ),
    "events:staff_publish": Case(
        "POST",
        lambda c: (url("events:staff_publish", activity_id=c.draft.pk), {}),
        ok={302},
        took_effect=lambda c: (
            Activity.objects.get(pk=c.draft.pk).status == Activity.Status.PUBLISHED
        ),
    ),
    "events:staff_cancel": Case(
        "POST",
        lambda c: (url("events:staff_cancel", activity_id=c.activity.pk), {"reason": "场地检修"}),
        ok={302},
        took_effect=lambda c: (
            Activity.objects.get(pk=c.activity.pk).status == Activity.Status.CANCELLED
        ),
    ),
    "events:staff_counts": Case(
        "GET", lambda c: (url("events:staff_counts", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:attendance_xlsx": Case(
        "GET", lambda c: (url("events:attendance_xlsx", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:registrations": Case(
        "GET", lambda c: (url("events:registrations", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:registration_decide": Case(
        "POST",
        lambda c: (
            url(
                "events:registration_decide",
                activity_id=c.activity.pk,
                registration_id=c.registration.pk,
            ),
            {"decision": "approve"},
        ),
        ok={302},
        took_effect=registration_status(Registration.Status.CONFIRMED),
    ),
    "events:registration_cancel": Case(
        "POST",
        lambda c: (
            url(
                "events:registration_cancel",
                activity_id=c.activity.pk,
                registration_id=c.registration.pk,
            ),
            {},
        ),
        ok={302},
        took_effect=registration_status(Registration.Status.CANCELLED),
    ),
    "events:report": Case(
        "POST",
        lambda c: (url("events:report", activity_id=c.activity.pk), {"text": "圆满举办"}),
        ok={302},
        took_effect=lambda c: (
            Activity.objects.get(pk=c.activity.pk).report_published_at is not None
        ),
    ),
    "events:screen": Case(
        "GET", lambda c: (url("events:screen", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:screen_code": Case(
        "GET", lambda c: (url("events:screen_code", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:desk": Case(
        "GET", lambda c: (url("events:desk", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:scan": Case(
        "POST",
        lambda c: (url("events:scan", activity_id=c.activity.pk), {"card_code": c.card}),
        ok={200},
        took_effect=member_checked_in,
    ),
    "events:scan_photo": Case(
        "POST",
        lambda c: (
            url("events:scan_photo", activity_id=c.activity.pk),
            {"photo": SimpleUploadedFile("card.png", qr_png(c.card), content_type="image/png")},
        ),
        ok={200},
        took_effect=member_checked_in,
    ),
    "events:batch": Case(
        "GET", lambda c: (url("events:batch", activity_id=c.activity.pk), {}), ok={200}
    ),
    "events:batch_upload": Case(
        "POST",
        lambda c: (
            url("events:batch_upload", activity_id=c.activity.pk),
            {
                "device": "desk-1",
                "items": [
                    {
                        "nonce": "n-1",
                        "card_code": c.card,
                        "scanned_at": timezone.now().isoformat(),
                    }
                ],
            },
        ),
        json_body=True,
        ok={200},
        took_effect=member_checked_in,
    ),
}

API_CASES: dict[str, Case] = {
    "list_innovation_calls": Case(
        "GET",
        lambda c: (innovation.after(c, "/api/v1/innovation/calls"), {}),
        kind="list",
        api=True,
        marker=lambda c: innovation.CALL,
    ),
    "list_innovation_entries": Case(
        "GET",
        lambda c: (f"/api/v1/innovation/calls/{_call_id(c)}/entries", {}),
        api=True,
    ),
    # A juror's own assignment: staff who hold none get 404 (the assignment exists, theirs
    # it is not).
    "score_innovation_entry": Case(
        "POST",
        lambda c: (
            f"/api/v1/innovation/assignments/{innovation.assignment_of(c).pk}/scores",
            {"scores": {}, "comment": ""},
        ),
        kind="own",
        api=True,
    ),
    "cast_innovation_ballot": Case(
        "POST",
        lambda c: (
            f"/api/v1/innovation/polls/{innovation.open_poll_of(c).pk}/ballots",
            {"candidate_id": innovation.open_poll_of(c).candidates.get().pk},
        ),
        kind="member",
        api=True,
    ),
    "get_tally_log": Case(
        "GET",
        lambda c: (f"/api/v1/innovation/polls/{innovation.open_poll_of(c).pk}/log", {}),
        kind="public",
        api=True,
        ok={200},
    ),
    **DASHBOARD_API_CASES,
    **VOLUNTEER_API_CASES,
    **CARE_API_CASES,
    **LEARNING_API_CASES,
    **STATION_API_CASES,
    **BENEFITS_API_CASES,
    "get_me": Case("GET", lambda c: ("/api/v1/me", {}), kind="unscoped", api=True),
    # The caller's own data: every account gets its own copy, never anyone else's.
    "get_my_data": Case("GET", lambda c: ("/api/v1/me/data", {}), kind="unscoped", api=True),
    "download_my_data": Case(
        "GET", lambda c: ("/api/v1/me/data.xlsx", {}), kind="unscoped", api=True
    ),
    "list_orgs": Case("GET", lambda c: ("/api/v1/orgs?q=中关村", {}), kind="list", api=True),
    "get_org": Case("GET", lambda c: (f"/api/v1/orgs/{c.target.pk}", {}), api=True),
    "create_org": Case(
        "POST",
        lambda c: ("/api/v1/orgs", {"parent_id": c.target.pk, "name": "新驿站", "kind": "station"}),
        api=True,
    ),
    "update_org": Case(
        "PATCH",
        lambda c: (
            f"/api/v1/orgs/{c.target.pk}",
            {"version": c.target.version, "address": "中关村大街"},
        ),
        api=True,
    ),
    "list_enterprises": Case(
        "GET",
        lambda c: ("/api/v1/enterprises", {}),
        kind="list",
        marker=lambda c: "被测企业",
        api=True,
    ),
    "get_enterprise": Case(
        "GET", lambda c: (f"/api/v1/enterprises/{c.enterprise.pk}", {}), api=True
    ),
    "create_enterprise": Case(
        "POST",
        lambda c: (
            "/api/v1/enterprises",
            {
                "org_id": c.target.pk,
                "name": "新登记企业",
                "credit_code": credit_code(),
                "industry": "I",
                "headcount": 10,
            },
        ),
        api=True,
    ),
    "update_enterprise": Case(
        "PATCH",
        lambda c: (
            f"/api/v1/enterprises/{c.enterprise.pk}",
            {"version": c.enterprise.version, "headcount": 30},
        ),
        api=True,
    ),
    "list_founding_cases": Case(
        "GET",
        lambda c: ("/api/v1/founding-cases", {}),
        kind="list",
        marker=lambda c: c.case.enterprise.name,
        api=True,
    ),
    "get_founding_case": Case(
        "GET", lambda c: (f"/api/v1/founding-cases/{c.case.pk}", {}), api=True
    ),
    "open_founding_case": Case(
        "POST",
        lambda c: (
            f"/api/v1/enterprises/{c.second_enterprise.pk}/founding-case",
            {"happened_on": "2026-07-28"},
        ),
        api=True,
    ),
    "advance_founding_case": Case(
        "POST",
        lambda c: (
            f"/api/v1/founding-cases/{c.case.pk}/advance",
            {"to_stage": 4, "happened_on": "2026-10-19"},
        ),
        api=True,
    ),
    "step_back_founding_case": Case(
        "POST",
        lambda c: (
            f"/api/v1/founding-cases/{c.case.pk}/step-back",
            {"from_stage": 3, "happened_on": "2026-10-20", "reason": "重新召开"},
        ),
        api=True,
    ),
    "attach_founding_document": Case(
        "POST",
        lambda c: (
            f"/api/v1/founding-cases/{c.case.pk}/documents",
            {"file": SimpleUploadedFile("m.pdf", b"%PDF-1.7 minutes")},
        ),
        api=True,
        multipart=True,
    ),
    "download_founding_document": Case(
        "GET", lambda c: (f"/api/v1/founding-documents/{c.document.pk}", {}), api=True
    ),
    "get_coverage": Case("GET", lambda c: (f"/api/v1/orgs/{c.target.pk}/coverage", {}), api=True),
    "move_org": Case(
        "POST",
        lambda c: (f"/api/v1/orgs/{c.child.pk}/move", {"new_parent_id": c.second_child.pk}),
        role=Role.FEDERATION_ADMIN,
        api=True,
    ),
    # --- joining and the card check: anonymous (PUBLIC_API) ---
    "submit_application": Case(
        "POST",
        lambda c: (
            f"/api/v1/join/{c.recruitment.code}",
            {
                **person(name="新申请人"),
                "consent": True,
                "consent_version": settings.CONSENT_VERSION,
            },
        ),
        kind="public",
        api=True,
        headers={"Idempotency-Key": "matrix-join-1"},
        ok={202},
    ),
    "get_application_status": Case(
        "GET",
        lambda c: (f"/api/v1/applications/status/{c.application.receipt}", {}),
        kind="public",
        api=True,
        ok={200},
    ),
    "get_card_public_key": Case(
        "GET", lambda c: ("/api/v1/cards/public-key", {}), kind="public", api=True, ok={200}
    ),
    "check_card": Case(
        "GET",
        lambda c: ("/api/v1/cards/check?" + urlencode({"code": c.card}), {}),
        kind="public",
        api=True,
        ok={200},
    ),
    # --- the review queue ---
    "list_applications": Case(
        "GET",
        lambda c: ("/api/v1/applications", {}),
        kind="list",
        marker=lambda c: "被测申请人",
        api=True,
    ),
    "get_application": Case(
        "GET", lambda c: (f"/api/v1/applications/{c.application.pk}", {}), api=True, ok={200}
    ),
    "approve_application": Case(
        "POST",
        lambda c: (f"/api/v1/applications/{c.application.pk}/approve", {}),
        api=True,
        ok={200},
        took_effect=application_approved,
    ),
    "reject_application": Case(
        "POST",
        lambda c: (f"/api/v1/applications/{c.application.pk}/reject", {"reason": "信息不全"}),
        api=True,
        ok={200},
        took_effect=application_rejected,
    ),
    "approve_applications": Case(
        "POST",
        lambda c: ("/api/v1/applications/approve", {"ids": [c.application.pk]}),
        kind="bulk",
        took_effect=application_approved,
        api=True,
        ok={200},
    ),
    # --- recruitment events ---
    "list_recruitment_events": Case(
        "GET",
        lambda c: ("/api/v1/recruitment-events", {}),
        kind="list",
        marker=lambda c: "被测招募活动",
        api=True,
    ),
    "get_recruitment_event": Case(
        "GET", lambda c: (f"/api/v1/recruitment-events/{c.recruitment.pk}", {}), api=True, ok={200}
    ),
    # --- members ---
    "list_members": Case(
        "GET", lambda c: ("/api/v1/members", {}), kind="list", marker=lambda c: "被测会员", api=True
    ),
    "get_member": Case("GET", lambda c: (f"/api/v1/members/{c.member.pk}", {}), api=True, ok={200}),
    "start_transfer": Case(
        "POST",
        lambda c: (
            f"/api/v1/members/{c.member.pk}/transfers",
            {"to_org_id": c.hlg.pk, "new_employer_name": "顺丰速运"},
        ),
        api=True,
        ok={201},
        took_effect=member_moving,
    ),
    "record_leaving": Case(
        "POST",
        lambda c: (
            f"/api/v1/members/{c.member.pk}/leave",
            {"status": "withdrawn", "reason": "本人申请"},
        ),
        api=True,
        ok={200},
        took_effect=member_left,
    ),
    "revoke_card": Case(
        "POST",
        lambda c: (f"/api/v1/members/{c.member.pk}/revoke-card", {"reason": "手机丢失"}),
        api=True,
        ok={200},
        took_effect=card_revoked,
    ),
    # --- transfers ---
    "list_transfers": Case(
        "GET",
        lambda c: ("/api/v1/transfers", {}),
        kind="list",
        marker=lambda c: "被转会员",
        api=True,
    ),
    "accept_transfer": Case(
        "POST",
        lambda c: (f"/api/v1/transfers/{c.transfer.pk}/accept", {}),
        api=True,
        ok={200},
        took_effect=transfer_status(Transfer.Status.ACCEPTED),
    ),
    "decline_transfer": Case(
        "POST",
        lambda c: (f"/api/v1/transfers/{c.transfer.pk}/decline", {"reason": "不在本辖区"}),
        api=True,
        ok={200},
        took_effect=transfer_status(Transfer.Status.DECLINED),
    ),
    # --- the caller's own card (see test_my_card_is_the_callers_own) ---
    "get_my_card": Case("GET", lambda c: ("/api/v1/me/card", {}), kind="own", api=True),
    # --- imports ---
    "start_import": Case(
        "POST",
        lambda c: (
            "/api/v1/imports",
            {
                "kind": "members",
                "org_id": c.target.pk,
                "file": csv_upload("姓名,身份证号,手机号\n"),
            },
        ),
        api=True,
        multipart=True,
        ok={201},
    ),
    "get_import": Case("GET", lambda c: (f"/api/v1/imports/{c.job.pk}", {}), api=True, ok={200}),
    "confirm_import": Case(
        "POST", lambda c: (f"/api/v1/imports/{c.job.pk}/confirm", {}), api=True, ok={200}
    ),
    "cancel_import": Case(
        "POST", lambda c: (f"/api/v1/imports/{c.job.pk}/cancel", {}), api=True, ok={200}
    ),
    "list_import_problems": Case(
        "GET", lambda c: (f"/api/v1/imports/{c.job.pk}/problems", {}), api=True, ok={200}
    ),
    "download_annotated_import": Case(
        "GET", lambda c: (f"/api/v1/imports/{c.job.pk}/annotated", {}), api=True, ok={200}
    ),
    # --- activities (events.manage / checkins.scan) ---
    "list_activities": Case(
        "GET",
        lambda c: ("/api/v1/activities", {}),
        kind="list",
        marker=lambda c: "被测活动",
        api=True,
    ),
    "create_activity": Case(
        "POST",
        lambda c: (
            "/api/v1/activities",
            {
                "org_id": c.target.pk,
                "title": "接口新建活动",
                "category": "seminar",
                "audience": "subtree",
                "place": "中关村会堂",
                "starts_at": c.draft.starts_at.isoformat(),
                "ends_at": c.draft.ends_at.isoformat(),
            },
        ),
        api=True,
        ok={201},
        took_effect=lambda c: Activity.objects.filter(title="接口新建活动").exists(),
    ),
    "get_activity": Case(
        "GET", lambda c: (f"/api/v1/activities/{c.activity.pk}", {}), api=True, ok={200}
    ),
    "update_activity": Case(
        "PATCH",
        lambda c: (
            f"/api/v1/activities/{c.activity.pk}",
            {"version": c.activity.version, "place": "中关村会堂二层"},
        ),
        api=True,
        ok={200},
        took_effect=lambda c: Activity.objects.get(pk=c.activity.pk).place == "中关村会堂二层",
    ),
    "publish_activity": Case(
        "POST",
        lambda c: (f"/api/v1/activities/{c.draft.pk}/publish", {}),
        api=True,
        ok={200},
        took_effect=lambda c: Activity.objects.get(pk=c.draft.pk).status == "published",
    ),
    "cancel_activity": Case(
        "POST",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/cancel", {"reason": "场地检修"}),
        api=True,
        ok={200},
        took_effect=lambda c: Activity.objects.get(pk=c.activity.pk).status == "cancelled",
    ),
    "get_activity_figures": Case(
        "GET",
        lambda c: (f"/api/v1/activity-figures?within={c.target.pk}", {}),
        api=True,
        ok={200},
    ),
    "list_registrations": Case(
        "GET",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/registrations", {}),
        api=True,
        ok={200},
    ),
    "decide_registration": Case(
        "POST",
        lambda c: (
            f"/api/v1/activities/{c.activity.pk}/registrations/{c.registration.pk}/decide",
            {"approve": True},
        ),
        api=True,
        ok={200},
        took_effect=registration_status(Registration.Status.CONFIRMED),
    ),
    "cancel_registration": Case(
        "POST",
        lambda c: (
            f"/api/v1/activities/{c.activity.pk}/registrations/{c.registration.pk}/cancel",
            {},
        ),
        api=True,
        ok={200},
        took_effect=registration_status(Registration.Status.CANCELLED),
    ),
    "get_attendance": Case(
        "GET",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/attendance", {}),
        api=True,
        ok={200},
    ),
    "check_in_card": Case(
        "POST",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/checkins", {"card": c.card}),
        api=True,
        ok={200},
        took_effect=member_checked_in,
    ),
    "upload_checkins": Case(
        "POST",
        lambda c: (
            f"/api/v1/activities/{c.activity.pk}/checkins/batch",
            {
                "device": "matrix-pad",
                "items": [
                    {"nonce": "m1", "card": c.card, "scanned_at": timezone.now().isoformat()}
                ],
            },
        ),
        api=True,
        ok={200},
        took_effect=member_checked_in,
    ),
    # --- activities for members: the caller's own membership (staff have none) ---
    "list_my_activities": Case(
        "GET", lambda c: ("/api/v1/me/activities", {}), kind="unscoped", api=True
    ),
    "get_my_activity": Case(
        "GET", lambda c: (f"/api/v1/me/activities/{c.activity.pk}", {}), kind="own", api=True
    ),
    "list_my_registrations": Case(
        "GET", lambda c: ("/api/v1/me/registrations", {}), kind="own", api=True
    ),
    "register_for_activity": Case(
        "POST",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/register", {"places": 1}),
        kind="own",
        api=True,
    ),
    "cancel_my_registration": Case(
        "POST",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/registration/cancel", {}),
        kind="own",
        api=True,
        took_effect=registration_status(Registration.Status.CANCELLED),
    ),
    "confirm_my_place": Case(
        "POST",
        lambda c: (f"/api/v1/activities/{c.activity.pk}/registration/confirm", {}),
        kind="own",
        api=True,
    ),
    "check_in_with_code": Case(
        "POST",
        lambda c: ("/api/v1/checkin", {"code": screen_code(c.activity.checkpoint)}),
        kind="member",
        api=True,
        took_effect=member_checked_in,
    ),
}

# Anonymous API operations (auth=None): joining through a poster's link, the applicant's
# status by receipt, and the card verifier's key and online check. They are not refused to
# anonymous callers or to workers without a role: test_anonymous_is_sent_to_sign_in and
# test_worker_without_a_role_is_refused expect their ordinary answer instead, and
# test_every_endpoint_has_a_matrix_entry checks this set against the schema's unsecured
# operations, so a new anonymous operation has to be declared here.
PUBLIC_API = {
    "submit_application",
    "get_application_status",
    "get_card_public_key",
    "check_card",
    # Stations are public information (docs/decisions/0009-stations.md).
    "list_stations",
    "list_station_areas",
    "get_station",
    # Courses open to the public are public information, as their member pages are.
    "list_courses",
    "get_course",
    "get_lesson",
    # A vote's tally log is published for anyone to recount (docs/decisions/0023-…).
    "get_tally_log",
}

# Cells of the matrix where a view breaks the rule above, each reported for the view to be
# fixed. They run as strict xfails: once the view is fixed the cell passes, the xfail fails,
# and the entry goes. None at present.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

# Staff URLs that need no org grant at all: the sign-in and its second steps.
PUBLIC_STAFF_URLS = {
    "accounts:staff_login",
    "accounts:staff_login_code",
    "accounts:staff_login_setup",
}
# Operations on the actor's own things only; covered in test_tokens_are_private_to_their_owner
# and, for the actor's own sign-in security, in test_two_factor.py and test_sessions.py.
OWN_ONLY = {
    "accounts:token_revoke",
    "accounts:two_factor_off",
    "accounts:recovery_codes_new",
    "accounts:sign_out_everywhere",
}


def _staff_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if route.startswith("staff/"):
                    names.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, "", "")
    return names


def _api_operation_ids() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    }


def _unsecured_operation_ids() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if not operation.get("security")
    }


def test_every_endpoint_has_a_matrix_entry():
    assert _staff_url_names() == set(STAFF_CASES) | PUBLIC_STAFF_URLS | OWN_ONLY
    assert _api_operation_ids() == set(API_CASES)
    assert _unsecured_operation_ids() == PUBLIC_API
    assert {name for name, case in API_CASES.items() if case.kind == "public"} == PUBLIC_API


@pytest.fixture
def ctx(tree, make_staff, operator, make_enterprise, django_capture_on_commit_callbacks) -> Ctx:
    sibling = create_org(
        actor=operator, parent=tree.district, name="海淀区学院路街道总工会", kind="street"
    )
    second_child = create_org(
        actor=operator, parent=tree.zgc, name="小米科技有限责任公司工会", kind="enterprise"
    )
    outsider_home = tree.hlg
    subject = make_staff(tree.zgc, Role.VIEWER, mobile="13911112222", name="被测干部")
    enterprise = make_enterprise(tree.zgc, name="被测企业", contact_mobile="13700000001")
    case = open_founding_case(
        actor=operator,
        enterprise=make_enterprise(tree.zgc),
        happened_on=date(2026, 7, 28),
        responsible=operator,
    )
    for stage, day in ((Stage.RECRUITING, date(2026, 8, 10)), (Stage.CONGRESS, date(2026, 10, 19))):
        case = advance_founding_case(
            actor=operator, case=case, to_stage=stage, happened_on=day, responsible=operator
        )
    document = attach_founding_document(
        actor=operator, case=case, upload=SimpleUploadedFile("m.pdf", b"%PDF-1.7 minutes")
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            actor=operator,
            org=tree.zgc,
            kind="enterprises",
            upload=SimpleUploadedFile(
                "e.csv",
                f"企业名称,统一社会信用代码,所属行业,职工人数\n甲,{credit_code()},I,3\n"
                "乙,123,I,3\n".encode(),
            ),
        )
    job.refresh_from_db()
    assert job.status == "checked"
    now = timezone.now()
    recruitment = member_actions.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=None,
        title="被测招募活动",
        place="中关村广场",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        gift_name="雨衣",
        gift_stock=10,
    )
    application = member_actions.submit_application(
        event=recruitment,
        submission_key="matrix-application",
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(name="被测申请人"),
    ).application
    member = member_actions.import_member(
        actor=operator, org=tree.zgc, joined_on=date(2025, 5, 1), **person(name="被测会员")
    )
    card = cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )
    # From 德胜, where no actor is placed, to T: only T's side of the transfer is in play.
    mover = member_actions.import_member(
        actor=operator, org=tree.desheng, joined_on=date(2024, 3, 1), **person(name="被转会员")
    )
    transfer = member_actions.start_transfer(
        actor=operator, member=mover, to_org=tree.zgc, new_employer_name="百度在线"
    )
    activity = event_actions.create_activity(
        actor=operator,
        org=tree.zgc,
        title="被测活动",
        category="seminar",
        description="研讨",
        audience="subtree",
        audience_org=None,
        place="中关村会堂",
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=3),
        publish=True,
        approval_required=True,
        allows_walk_ins=True,
    )
    draft = event_actions.create_activity(
        actor=operator,
        org=tree.zgc,
        title="待发布的活动",
        category="drill",
        description="演练",
        audience="subtree",
        audience_org=None,
        place="中关村会堂",
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, hours=2),
    )
    photo = event_actions.add_photo(
        actor=operator,
        activity=activity,
        upload=SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg"),
        use=ActivityPhoto.Use.DESCRIPTION,
    )
    registration = event_actions.register_for_activity(member=member, activity=activity)
    assert registration.status == Registration.Status.PENDING
    context = Ctx(
        target=tree.zgc,
        child=tree.sohu,
        second_child=second_child,
        orgs={
            "same": tree.zgc,
            "ancestor": tree.district,
            "descendant": tree.sohu,
            "sibling": sibling,
            "outsider": outsider_home,
        },
        subject=subject,
        subject_grant=RoleGrant.objects.get(user=subject),
        enterprise=enterprise,
        case=case,
        document=document,
        job=job,
        second_enterprise=make_enterprise(tree.zgc),
        hlg=tree.hlg,
        recruitment=recruitment,
        application=application,
        member=member,
        card=card,
        transfer=transfer,
        activity=activity,
        draft=draft,
        photo=photo,
        registration=registration,
    )
    return context


def _send(client: Client, case: Case, ctx: Ctx) -> Any:
    path, data = case.build(ctx)
    headers = case.headers
    if case.method == "GET":
        return client.get(path, headers=headers)
    if (case.api and not case.multipart) or case.json_body:
        return client.generic(
            case.method,
            path,
            json.dumps(data),
            content_type="application/json",
            headers=headers,
        )
    return client.post(path, data, headers=headers)


CASES = [(name, case) for name, case in {**STAFF_CASES, **API_CASES}.items()]


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_matrix(name, case, relation, ctx, make_staff, client_for, api_client_for, request):
    if (name, relation) in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_GAPS[name, relation], strict=True))
    actor = make_staff(ctx.orgs[relation], case.role)
    client = api_client_for(actor) if case.api else client_for(actor)
    response = _send(client, case, ctx)
    if case.kind == "object":
        if relation in ALLOWED:
            assert response.status_code in case.ok, response.content[:500]
        else:
            assert response.status_code == 404, response.content[:500]
        if case.took_effect is not None:
            assert case.took_effect(ctx) == (relation in ALLOWED)
    elif case.kind == "list":
        assert response.status_code == 200
        if case.read is not None:
            text = case.read(response)
        elif case.api:
            text = json.dumps(response.json(), ensure_ascii=False)
        else:
            text = response.content.decode()
        shown = case.marker(ctx) in text
        assert shown == (relation in ALLOWED)
    elif case.kind == "bulk":
        assert response.status_code in case.ok
        assert case.took_effect is not None
        assert case.took_effect(ctx) == (relation in ALLOWED)
    elif case.kind == "public":
        assert response.status_code in case.ok, response.content[:500]
    elif case.kind == "own":
        assert response.status_code == 404
    elif case.kind == "member":
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_member"
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_anonymous_is_sent_to_sign_in(name, case, ctx):
    response = _send(Client(), case, ctx)
    if name in PUBLIC_API:
        assert response.status_code in case.ok, response.content[:500]
    elif case.api:
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:staff_login"))
    if case.took_effect is not None:
        assert not case.took_effect(ctx)


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_worker_without_a_role_is_refused(name, case, ctx, client_for, api_client_for):
    worker = User.objects.create_user(None, None, mobile="13800138000")
    client = api_client_for(worker) if case.api else client_for(worker)
    response = _send(client, case, ctx)
    if name in PUBLIC_API:
        assert response.status_code in case.ok, response.content[:500]
    elif case.api:
        expected = {"object": {404}, "own": {404}, "member": {403}}.get(case.kind, {200})
        assert response.status_code in expected
        if case.kind == "list":
            assert response.json()["items"] == []
    else:
        assert response.status_code == 403
    if case.took_effect is not None:
        assert not case.took_effect(ctx)


def test_tokens_are_private_to_their_owner(ctx, make_staff, client_for):
    from gonghui.accounts.actions import create_api_token

    owner = make_staff(ctx.target)
    other = make_staff(ctx.target)
    token, _raw = create_api_token(actor=owner, name="mine")
    path = reverse("accounts:token_revoke", kwargs={"token_id": token.pk})
    assert client_for(other).post(path).status_code == 404
    assert client_for(owner).post(path).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_sending_union_sees_a_transfer_but_may_not_decide_it(
    ctx, make_staff, client_for, api_client_for
):
    """A transfer shows to both unions; only the receiving one (T) accepts or declines it."""
    sender = make_staff(ctx.transfer.from_org)
    web, api_client = client_for(sender), api_client_for(sender)
    detail = url("members:transfer_detail", transfer_id=ctx.transfer.pk)
    assert web.get(detail).status_code == 200
    assert "被转会员" in web.get(url("members:transfers")).content.decode()
    listed = api_client.get("/api/v1/transfers").json()["items"]
    assert [item["id"] for item in listed] == [ctx.transfer.pk]
    for name, data in (("transfer_accept", {}), ("transfer_decline", {"reason": "不同意"})):
        path = url(f"members:{name}", transfer_id=ctx.transfer.pk)
        assert web.post(path, data).status_code == 404
    for action, data in (("accept", {}), ("decline", {"reason": "不同意"})):
        response = api_client.post(
            f"/api/v1/transfers/{ctx.transfer.pk}/{action}",
            json.dumps(data),
            content_type="application/json",
        )
        assert response.status_code == 404
    assert Transfer.objects.get(pk=ctx.transfer.pk).status == Transfer.Status.PENDING


def test_my_card_is_the_callers_own(ctx, api_client_for, make_staff):
    """get_my_card answers the member whose account signs in with the member's mobile number;
    staff of the member's union get 404 like anyone without a membership."""
    own = User.objects.create_user(None, None, mobile=str(ctx.member.mobile))
    response = api_client_for(own).get("/api/v1/me/card")
    assert response.status_code == 200
    assert response.json()["claims"]["number"] == ctx.member.number
    assert api_client_for(make_staff(ctx.target)).get("/api/v1/me/card").status_code == 404


@pytest.mark.parametrize("relation", RELATIONS)
def test_unmasked_roster_export(relation, ctx, make_staff, client_for):
    """?unmasked=1 needs members.export_personal (federation admins): an org admin gets 403
    wherever placed; a federation admin gets full ID numbers only within their subtree."""
    path = reverse("members:roster_export") + "?unmasked=1"
    org_admin = client_for(make_staff(ctx.orgs[relation], Role.ORG_ADMIN))
    assert org_admin.get(path).status_code == 403
    federation_admin = client_for(make_staff(ctx.orgs[relation], Role.FEDERATION_ADMIN))
    response = federation_admin.get(path)
    assert response.status_code == 200
    text = xlsx_text(response)
    assert (str(ctx.member.id_number) in text) == (relation in ALLOWED)
    assert (str(ctx.member.mobile) in text) == (relation in ALLOWED)
