"""The recruitment and membership API: joining with an Idempotency-Key, status by receipt,
review, members (masked), transfers, leaving, cards and imports."""

import base64
import io
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.core.models import IdempotencyRecord, ImportJob
from gonghui.core.personal import mask_id_number, mask_mobile
from gonghui.enterprises.models import Enterprise
from gonghui.enterprises.tests.factories import credit_code
from gonghui.members import actions, cards
from gonghui.members.models import Application, Episode, Member, Transfer
from gonghui.members.tests.factories import person

EN = {"Accept-Language": "en"}


def post(client: Client, path: str, payload: object, **headers: str):
    return client.post(
        path, json.dumps(payload), content_type="application/json", headers={**EN, **headers}
    )


def get(client: Client, path: str):
    return client.get(path, headers=EN)


def form(**overrides):
    return {**person(**overrides), "consent": True, "consent_version": settings.CONSENT_VERSION}


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
        gift_stock=20,
    )


def join(event, key="key-1", client=None, **overrides):
    headers = {"Idempotency-Key": key} if key else {}
    return post(client or Client(), f"/api/v1/join/{event.code}", form(**overrides), **headers)


def apply(event, key, **overrides) -> Application:
    return actions.submit_application(
        event=event,
        submission_key=key,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(**overrides),
    ).application


@pytest.fixture
def reviewer(tree, make_staff):
    return make_staff(tree.zgc, Role.REVIEWER)


@pytest.fixture
def admin(tree, make_staff):
    return make_staff(tree.zgc, Role.ORG_ADMIN)


# --- joining -------------------------------------------------------------------------------------


RECEIVED = {
    "status": "received",
    "message": "We received your application. A text message with the link to follow it is "
    "on its way to the mobile number you entered.",
    "mobile_masked": "139****1234",
    "org_name": "中关村科学城总工会",
}


def test_join_answers_202_and_texts_the_status_link(
    event, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = join(
            event,
            key="c0ffee-1",
            name="李 四",
            id_number="11010819950615019x",
            mobile="13900001234",
        )
    assert response.status_code == 202
    assert response.json() == RECEIVED
    application = Application.objects.get()
    assert len(application.receipt) == 24
    assert application.receipt not in response.content.decode()
    assert application.submission_key == "c0ffee-1"
    assert application.channel == "api"
    assert application.name == "李 四"
    assert application.id_number == "11010819950615019X"
    assert application.event == event
    [sms] = sms_outbox
    assert sms.mobile == "13900001234"
    assert f"http://testserver/r/{application.receipt}/" in sms.text


def test_join_without_an_idempotency_key_is_refused(event):
    response = join(event, key="")
    assert response.status_code == 400
    assert response.json() == {
        "code": "idempotency_key_required",
        "message": "Send an Idempotency-Key header: a fresh random value per application.",
        "fields": {},
    }
    assert not Application.objects.exists()


def test_join_with_an_overlong_key_is_refused(event):
    response = join(event, key="k" * 65)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Application.objects.exists()


def test_the_same_key_twice_gives_the_same_answer_and_one_application(event, sms_outbox):
    details = form(mobile="13900001234")
    first = post(Client(), f"/api/v1/join/{event.code}", details, **{"Idempotency-Key": "k-7"})
    again = post(Client(), f"/api/v1/join/{event.code}", details, **{"Idempotency-Key": "k-7"})
    assert first.status_code == again.status_code == 202
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="k-7").count() == 1
    # Past the middleware's record (48 hours), the submission key still finds it.
    IdempotencyRecord.objects.all().delete()
    later = post(Client(), f"/api/v1/join/{event.code}", details, **{"Idempotency-Key": "k-7"})
    assert (later.status_code, later.content) == (202, first.content)
    assert Application.objects.count() == 1


def member_with(event, reviewer, **overrides) -> Member:
    application = apply(event, "member-key", **overrides)
    return actions.approve_application(actor=reviewer, application=application)


def test_a_join_with_a_members_id_number_gets_the_same_answer_as_a_new_person(
    event, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    """Issue 11's oracle: nothing in the answer tells whether the ID number is a member's."""
    stranger = form(mobile="13900001234")
    member = member_with(event, reviewer, id_number=stranger["id_number"], mobile="13800009999")
    newcomer = form(mobile="13900001234")
    assert newcomer["id_number"] != stranger["id_number"]
    with django_capture_on_commit_callbacks(execute=True):
        known = post(Client(), f"/api/v1/join/{event.code}", stranger, **{"Idempotency-Key": "a"})
        new = post(Client(), f"/api/v1/join/{event.code}", newcomer, **{"Idempotency-Key": "b"})
    assert (known.status_code, known.content) == (new.status_code, new.content)
    assert known.json() == RECEIVED
    # Each submission is its own application with its own status link, texted to the number
    # typed: the member's own record and number are in neither.
    duplicate = Application.objects.get(submission_key="a")
    assert duplicate.status == "pending"
    texts = [m.text for m in sms_outbox if m.mobile == "13900001234"]
    assert len(texts) == 2
    assert f"/r/{duplicate.receipt}/" in texts[0]
    status = get(Client(), f"/api/v1/applications/status/{duplicate.receipt}").json()
    assert (status["status"], status["member_number"]) == ("pending", "")
    assert member.number not in json.dumps(status)
    # The reviewers see it flagged.
    queue = get(reviewer_client(reviewer), "/api/v1/applications?status=pending").json()
    flags = {row["id"]: (row["is_member_already"], row["also_applied"]) for row in queue["items"]}
    assert flags[duplicate.pk] == (True, False)


def reviewer_client(reviewer: User) -> Client:
    from gonghui.conftest import sign_in

    return sign_in(Client(), reviewer)


def test_a_join_with_an_id_number_already_in_review_gets_the_same_answer(event, reviewer):
    details = form(mobile="13900001234")
    first = post(Client(), f"/api/v1/join/{event.code}", details, **{"Idempotency-Key": "a"})
    someone = form(id_number=details["id_number"], mobile="13900001234")
    again = post(Client(), f"/api/v1/join/{event.code}", someone, **{"Idempotency-Key": "b"})
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert first.json() == RECEIVED
    assert Application.objects.count() == 2
    queue = get(reviewer_client(reviewer), "/api/v1/applications?status=pending").json()
    assert [row["also_applied"] for row in queue["items"]] == [True, True]


def test_a_key_reused_by_another_caller_does_not_reveal_the_first_application(
    event, tree, make_staff, api_client_for
):
    assert join(event, key="shared").status_code == 202
    # A different caller (another idempotency scope) sending the same key for another person.
    response = join(event, key="shared", client=api_client_for(make_staff(tree.hlg)))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert "receipt" not in response.json()
    assert Application.objects.count() == 1


def test_join_errors_name_the_field(event):
    bad_check = join(event, key="x1", id_number="110108199506150010")
    assert bad_check.status_code == 400
    assert bad_check.json() == {
        "code": "invalid_id_number",
        "message": "The last character does not match the rest of the number; "
        "please check for a typo.",
        "fields": {
            "id_number": [
                "The last character does not match the rest of the number; please check for a typo."
            ]
        },
    }
    no_consent = post(
        Client(),
        f"/api/v1/join/{event.code}",
        {**form(), "consent": False},
        **{"Idempotency-Key": "x2"},
    )
    assert no_consent.status_code == 400
    assert no_consent.json()["fields"] == {
        "consent": ["Please read and agree to the privacy notice."]
    }
    bad_choice = join(event, key="x3", gender="X")
    assert bad_choice.status_code == 422
    assert bad_choice.json()["fields"] == {"gender": ["Choose one of the allowed values."]}
    assert not Application.objects.exists()


def test_join_to_an_unknown_event_is_404(db):
    response = post(Client(), "/api/v1/join/nosuchcode", form(), **{"Idempotency-Key": "z"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_join_hot_path_runs_a_fixed_number_of_queries(event):
    """A regression guard for the burst benchmark: every statement on the joining path."""
    join(event, key="warm-up")  # first-use caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = join(event, key="counted")
    assert response.status_code == 202
    statements = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    # middleware: savepoint, claim the key; view: the event by code; action: the key, four
    # rate-limit counters (client IP, the number, texts to the number, all joins: one upsert
    # each); savepoint, insert, the receiving union's daily tally (one upsert), release;
    # middleware: store the answer, release.
    assert statements == [
        "SAVEPOINT",
        "INSERT",
        "SELECT",
        "SELECT",
        "INSERT",
        "INSERT",
        "INSERT",
        "INSERT",
        "SAVEPOINT",
        "INSERT",
        "INSERT",
        "RELEASE",
        "UPDATE",
        "RELEASE",
    ]


def test_joins_are_rate_limited_per_number_with_retry_after(event, settings):
    assert settings.RATE_LIMITS["join.mobile"] == (3, 3600)
    answers = [join(event, key=f"m{n}", mobile="13900001234") for n in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    refused = answers[3]
    assert refused.json() == {
        "code": "rate_limited",
        "message": "Too many attempts. Try again in 60 minutes.",
        "fields": {},
    }
    assert 3590 <= int(refused["Retry-After"]) <= 3600
    assert Application.objects.count() == 3
    # A refusal is not stored under its key: once the window has passed, a retry is welcome.
    assert not IdempotencyRecord.objects.filter(key="m3").exists()
    assert join(event, key="m4", mobile="13900005678").status_code == 202


def test_joins_are_rate_limited_per_address_and_overall(event, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join.ip": (2, 600), "join.global": (3, 60)}
    here = Client(REMOTE_ADDR="203.0.113.5")
    there = Client(REMOTE_ADDR="198.51.100.6")
    statuses = [join(event, key=f"i{n}", client=here).status_code for n in range(3)]
    assert statuses == [202, 202, 429]
    assert join(event, key="t1", client=there).status_code == 202
    overall = join(event, key="t2", client=there)
    assert overall.status_code == 429
    assert int(overall["Retry-After"]) <= 60
    assert Application.objects.count() == 3


def test_status_by_receipt_is_public_and_shows_no_personal_data(event, reviewer):
    join(event, key="s1", name="张三丰")
    receipt = Application.objects.get().receipt
    response = get(Client(), f"/api/v1/applications/status/{receipt}")
    assert response.status_code == 200
    body = response.json()
    submitted_at = body.pop("submitted_at")
    assert submitted_at
    assert body == {
        "receipt": receipt,
        "name_masked": "张*丰",
        "status": "pending",
        "status_label": "Waiting for review",
        "org_name": "中关村科学城总工会",
        "event_title": "搜狐双沟通活动",
        "reviewed_at": None,
        "reject_reason": "",
        "member_number": "",
    }
    actions.approve_application(actor=reviewer, application=Application.objects.get())
    approved = get(Client(), f"/api/v1/applications/status/{receipt}").json()
    assert approved["status"] == "approved"
    assert approved["member_number"] == Member.objects.get().number
    assert get(Client(), "/api/v1/applications/status/not-a-receipt").status_code == 404


# --- review --------------------------------------------------------------------------------------


def test_application_lists_are_scoped(event, tree, make_staff, api_client_for):
    application = apply(event, "l1")
    inside = api_client_for(make_staff(tree.district, Role.VIEWER))
    outside = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    body = get(inside, "/api/v1/applications").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == application.pk
    assert item["org_name"] == "中关村科学城总工会"
    assert item["event_title"] == "搜狐双沟通活动"
    assert item["is_member_already"] is False
    assert item["waiting_long"] is False
    assert item["waiting_days"] == 0
    assert get(outside, "/api/v1/applications").json() == {"items": [], "count": 0}
    assert get(outside, f"/api/v1/applications/{application.pk}").status_code == 404
    assert get(Client(), "/api/v1/applications").status_code == 401


def test_application_filters(event, api_client_for, reviewer):
    old = apply(event, "f1")
    Application.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=5))
    fresh = apply(event, "f2")
    done = apply(event, "f3")
    actions.reject_application(actor=reviewer, application=done, reason="信息不全")
    client = api_client_for(reviewer)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in get(client, f"/api/v1/applications?{query}").json()["items"]]

    assert ids("") == [old.pk, fresh.pk]
    assert ids("waiting=true") == [old.pk]
    assert ids("status=rejected") == [done.pk]
    assert ids("status=all") == [old.pk, fresh.pk, done.pk]
    assert ids(f"event={event.pk + 1}") == []
    [flagged] = get(client, "/api/v1/applications?waiting=true").json()["items"]
    assert flagged["waiting_long"] is True
    assert flagged["waiting_days"] == 5


def test_approve_makes_a_member_once(
    event, tree, reviewer, api_client_for, sms_outbox, django_capture_on_commit_callbacks
):
    application = apply(event, "a1")
    client = api_client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"/api/v1/applications/{application.pk}/approve", {})
    assert response.status_code == 200
    body = response.json()
    member = Member.objects.get()
    assert body["status"] == "approved"
    assert body["status_label"] == "Approved"
    assert body["member_id"] == member.pk
    assert member.number == f"{tree.zgc.pk:06d}-000001"
    assert sms_outbox[-1].text.endswith(f"{member.number}.")
    again = post(client, f"/api/v1/applications/{application.pk}/approve", {})
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"
    assert Member.objects.count() == 1


def test_approve_needs_the_review_capability_in_scope(event, tree, make_staff, api_client_for):
    application = apply(event, "a2")
    for actor in (make_staff(tree.zgc, Role.VIEWER), make_staff(tree.hlg, Role.REVIEWER)):
        response = post(api_client_for(actor), f"/api/v1/applications/{application.pk}/approve", {})
        assert response.status_code == 404
    assert not Member.objects.exists()


def test_reject_with_a_reason(event, reviewer, api_client_for):
    application = apply(event, "r1")
    client = api_client_for(reviewer)
    empty = post(client, f"/api/v1/applications/{application.pk}/reject", {"reason": "  "})
    assert empty.status_code == 400
    assert empty.json()["code"] == "reason_required"
    response = post(client, f"/api/v1/applications/{application.pk}/reject", {"reason": "非本单位"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["reject_reason"] == "非本单位"
    status = get(Client(), f"/api/v1/applications/status/{application.receipt}").json()
    assert status["reject_reason"] == "非本单位"


def test_bulk_approve_reports_each_refusal(event, tree, reviewer, api_client_for, operator):
    first, second, rejected = apply(event, "b1"), apply(event, "b2"), apply(event, "b3")
    actions.reject_application(actor=reviewer, application=rejected, reason="重复")
    now = timezone.now()
    elsewhere = actions.create_recruitment_event(
        actor=operator,
        org=tree.hlg,
        enterprise=None,
        title="回龙观",
        place="驿站",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    outside = apply(elsewhere, "b4")
    response = post(
        api_client_for(reviewer),
        "/api/v1/applications/approve",
        {"ids": [first.pk, second.pk, rejected.pk, outside.pk, first.pk]},
    )
    assert response.status_code == 200
    members = {m.id_number_hash: m for m in Member.objects.all()}
    one, two = members[first.id_number_hash], members[second.id_number_hash]
    assert response.json() == {
        "approved": [
            {"application_id": first.pk, "member_id": one.pk, "number": one.number},
            {"application_id": second.pk, "member_id": two.pk, "number": two.number},
        ],
        "refused": [
            {
                "application_id": rejected.pk,
                "code": "refused",
                "reason": f"{rejected.name}'s application was already reviewed (Rejected).",
            },
            {"application_id": outside.pk, "code": "not_found", "reason": "Not found."},
        ],
    }
    assert sorted(m.number for m in members.values()) == [
        f"{tree.zgc.pk:06d}-000001",
        f"{tree.zgc.pk:06d}-000002",
    ]
    assert Application.objects.get(pk=outside.pk).status == "pending"


# --- events --------------------------------------------------------------------------------------


def test_events_list_and_figures(event, tree, reviewer, make_staff, api_client_for):
    approved = apply(event, "e1", employer_name="搜狐")
    apply(event, "e2", employer_name="搜狐")
    apply(event, "e3", employer_name="美团外卖")
    actions.approve_application(actor=reviewer, application=approved)
    actions.count_scan(event)
    client = api_client_for(make_staff(tree.zgc, Role.VIEWER))
    listed = get(client, "/api/v1/recruitment-events").json()
    assert listed["count"] == 1
    [item] = listed["items"]
    assert (item["id"], item["application_count"], item["approved_count"]) == (event.pk, 3, 1)
    assert item["join_path"] == f"/api/v1/join/{event.code}"
    assert item["gift_stock"] == 20
    detail = get(client, f"/api/v1/recruitment-events/{event.pk}").json()
    assert detail["figures"] == {
        "scans": 1,
        "applications": 3,
        "pending": 2,
        "approved": 1,
        "rejected": 0,
        "members": 1,
        "gifts_given": 0,
        "gifts_left": 20,
        "last_minutes": 3,
        "peak_per_minute": 3,
        "by_enterprise": [
            {"employer_name": "搜狐", "applications": 2, "approved": 1},
            {"employer_name": "美团外卖", "applications": 1, "approved": 0},
        ],
    }
    outsider = api_client_for(make_staff(tree.hlg, Role.VIEWER))
    assert get(outsider, "/api/v1/recruitment-events").json()["count"] == 0
    assert get(outsider, f"/api/v1/recruitment-events/{event.pk}").status_code == 404


# --- members -------------------------------------------------------------------------------------


@pytest.fixture
def member(event, reviewer) -> Member:
    application = apply(event, "m1", name="赵六", mobile="13912345678")
    return actions.approve_application(actor=reviewer, application=application)


def test_member_payloads_are_masked(member, admin, api_client_for):
    client = api_client_for(admin)
    listed = get(client, "/api/v1/members")
    detail = get(client, f"/api/v1/members/{member.pk}")
    for response in (listed, detail):
        assert response.status_code == 200
        assert str(member.id_number) not in response.content.decode()
        assert "13912345678" not in response.content.decode()
    [item] = listed.json()["items"]
    assert item["id_number_masked"] == mask_id_number(str(member.id_number))
    assert item["mobile_masked"] == "139****5678" == mask_mobile("13912345678")
    assert item["number"] == member.number
    assert item["status_label"] == "Active"
    assert "id_number" not in item
    assert "mobile" not in item
    body = detail.json()
    assert body["episodes"] == [
        {
            "org_id": member.org_id,
            "org_name": "中关村科学城总工会",
            "employer_name": "美团外卖",
            "started_on": timezone.localdate().isoformat(),
            "ended_on": None,
        }
    ]
    assert body["transfers"] == []


def test_member_list_filters_and_scope(member, tree, make_staff, api_client_for):
    inside = api_client_for(make_staff(tree.root, Role.VIEWER))
    assert get(inside, "/api/v1/members?q=赵六").json()["count"] == 1
    assert get(inside, f"/api/v1/members?q={member.number}").json()["count"] == 1
    assert get(inside, "/api/v1/members?status=withdrawn").json()["count"] == 0
    assert get(inside, "/api/v1/members?job_type=courier").json()["count"] == 0
    assert get(inside, f"/api/v1/members?within={tree.hlg.pk}").json()["count"] == 0
    outside = api_client_for(make_staff(tree.desheng, Role.VIEWER))
    assert get(outside, "/api/v1/members").json()["count"] == 0
    assert get(outside, f"/api/v1/members/{member.pk}").status_code == 404


def test_transfer_accepted_keeps_the_membership_without_a_gap(
    member, tree, admin, make_staff, api_client_for
):
    client = api_client_for(admin)
    started = post(
        client,
        f"/api/v1/members/{member.pk}/transfers",
        {"to_org_id": tree.desheng.pk, "new_employer_name": "闪送"},
    )
    assert started.status_code == 201
    transfer = Transfer.objects.get()
    assert started.json() | {"requested_at": None} == {
        "id": transfer.pk,
        "member_id": member.pk,
        "member_number": member.number,
        "member_name": "赵六",
        "from_org_id": tree.zgc.pk,
        "from_org_name": "中关村科学城总工会",
        "to_org_id": tree.desheng.pk,
        "to_org_name": "德胜街道总工会",
        "new_employer_name": "闪送",
        "status": "pending",
        "status_label": "Waiting for the receiving union",
        "requested_at": None,
        "decided_at": None,
        "decline_reason": "",
    }
    twice = post(
        client,
        f"/api/v1/members/{member.pk}/transfers",
        {"to_org_id": tree.desheng.pk, "new_employer_name": "闪送"},
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "transfer_pending"
    receiving = api_client_for(make_staff(tree.desheng, Role.REVIEWER))
    assert [t["id"] for t in get(receiving, "/api/v1/transfers").json()["items"]] == [transfer.pk]
    # The sending union cannot accept on the receiving union's behalf.
    assert post(client, f"/api/v1/transfers/{transfer.pk}/accept", {}).status_code == 404
    accepted = post(receiving, f"/api/v1/transfers/{transfer.pk}/accept", {})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    member.refresh_from_db()
    assert member.org == tree.desheng
    today = timezone.localdate()
    assert list(
        Episode.objects.filter(member=member).values_list("org_id", "started_on", "ended_on")
    ) == [(tree.zgc.pk, today, today), (tree.desheng.pk, today, None)]
    history = get(receiving, f"/api/v1/members/{member.pk}").json()
    assert [e["org_name"] for e in history["episodes"]] == ["中关村科学城总工会", "德胜街道总工会"]
    assert history["number"] == member.number
    # The sending union still sees the transfer in its list of all transfers.
    sent = get(client, "/api/v1/transfers?status=all").json()["items"]
    assert [(t["id"], t["status"]) for t in sent] == [(transfer.pk, "accepted")]


def test_transfer_declined_with_a_reason(member, tree, admin, make_staff, api_client_for):
    post(
        api_client_for(admin),
        f"/api/v1/members/{member.pk}/transfers",
        {"to_org_id": tree.hlg.pk, "new_employer_name": "顺丰"},
    )
    transfer = Transfer.objects.get()
    receiving = api_client_for(make_staff(tree.hlg, Role.REVIEWER))
    response = post(receiving, f"/api/v1/transfers/{transfer.pk}/decline", {"reason": "不在辖区"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined",
        "不在辖区",
    )
    member.refresh_from_db()
    assert member.org == tree.zgc


def test_transfer_to_a_station_is_refused(member, tree, admin, api_client_for):
    response = post(
        api_client_for(admin),
        f"/api/v1/members/{member.pk}/transfers",
        {"to_org_id": tree.station.pk, "new_employer_name": "顺丰"},
    )
    assert response.status_code == 404
    assert not Transfer.objects.exists()


# --- cards and leaving ---------------------------------------------------------------------------


@pytest.fixture
def worker(event, reviewer) -> tuple[User, Member]:
    user = User.objects.create_user(None, None, mobile="13811112222", name="钱七")
    application = apply(event, "w1", name="钱七", mobile="13811112222")
    member = actions.approve_application(actor=reviewer, application=application)
    return user, member


def test_my_card_is_signed_and_verifiable_with_the_public_key(worker, client_for):
    user, member = worker
    response = get(client_for(user), "/api/v1/me/card")
    assert response.status_code == 200
    body = response.json()
    assert body["claims"] == {
        "number": member.number,
        "name": "钱七",
        "union": "中关村科学城总工会",
        "joined_on": member.joined_on.isoformat(),
        "version": 1,
    }
    key = get(Client(), "/api/v1/cards/public-key").json()
    assert key["algorithm"] == "Ed25519"
    raw = base64.urlsafe_b64decode(key["public_key"] + "=" * (-len(key["public_key"]) % 4))
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    assert cards.verify_card(body["code"], public_key).number == member.number


def test_card_check_says_valid_then_revoked_after_revoke(worker, admin, client_for, api_client_for):
    user, member = worker
    old_code = get(client_for(user), "/api/v1/me/card").json()["code"]
    check = get(Client(), f"/api/v1/cards/check?code={old_code}").json()
    assert check == {
        "status": "valid",
        "status_label": "This is a valid union member card.",
        "genuine": True,
        "number": member.number,
        "presented_version": 1,
        "card_version": 1,
    }
    revoked = post(
        api_client_for(admin), f"/api/v1/members/{member.pk}/revoke-card", {"reason": "手机丢失"}
    )
    assert revoked.status_code == 200
    assert revoked.json()["card_version"] == 2
    after = get(Client(), f"/api/v1/cards/check?code={old_code}").json()
    assert (after["status"], after["presented_version"], after["card_version"]) == ("revoked", 1, 2)
    new_code = get(client_for(user), "/api/v1/me/card").json()["code"]
    assert get(Client(), f"/api/v1/cards/check?code={new_code}").json()["status"] == "valid"


def test_card_check_says_unknown_for_an_altered_code(worker, client_for):
    user, _member = worker
    code = get(client_for(user), "/api/v1/me/card").json()["code"]
    tampered = code[:-6] + ("A" if code[-6] != "A" else "B") + code[-5:]
    body = get(Client(), f"/api/v1/cards/check?code={tampered}").json()
    assert (body["status"], body["genuine"], body["card_version"]) == ("not_genuine", False, None)
    assert get(Client(), "/api/v1/cards/check?code=hello").json()["status"] == "not_genuine"


def test_card_check_after_a_transfer_a_rename_and_for_no_such_member(
    worker, tree, operator, client_for
):
    from gonghui.orgs.actions import update_org

    user, member = worker
    client = client_for(user)
    before_transfer = get(client, "/api/v1/me/card").json()["code"]
    transfer = actions.start_transfer(
        actor=operator, member=member, to_org=tree.desheng, new_employer_name="闪送"
    )
    actions.accept_transfer(actor=operator, transfer=transfer)
    # Moving union bumps the card version: the old card (old union) is no longer current.
    moved = get(Client(), f"/api/v1/cards/check?code={before_transfer}").json()
    assert (moved["status"], moved["presented_version"], moved["card_version"]) == ("revoked", 1, 2)
    current = get(client, "/api/v1/me/card").json()
    assert current["claims"]["union"] == "德胜街道总工会"
    assert get(Client(), f"/api/v1/cards/check?code={current['code']}").json()["status"] == "valid"
    tree.desheng.refresh_from_db()
    update_org(
        actor=operator,
        org=tree.desheng,
        expected_version=tree.desheng.version,
        name="德胜街道工会联合会",
    )
    renamed = get(Client(), f"/api/v1/cards/check?code={current['code']}").json()
    assert renamed["status"] == "outdated"
    stranger = cards.sign_card(
        cards.CardClaims("999999-000001", "无名", "某工会", timezone.localdate(), 1)
    )
    body = get(Client(), f"/api/v1/cards/check?code={stranger}").json()
    assert (body["status"], body["genuine"], body["card_version"]) == ("unknown", True, None)


def test_a_member_may_withdraw_and_the_card_then_says_left(worker, client_for):
    user, member = worker
    client = client_for(user)
    code = get(client, "/api/v1/me/card").json()["code"]
    response = client.post(
        f"/api/v1/members/{member.pk}/leave",
        json.dumps({"status": "withdrawn", "reason": "离职回乡"}),
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["leave_reason"]) == ("withdrawn", "离职回乡")
    assert response.json()["left_on"] == timezone.localdate().isoformat()
    assert get(Client(), f"/api/v1/cards/check?code={code}").json()["status"] == "left"
    assert get(client, "/api/v1/me/card").json()["code"] == "no_membership"


def test_staff_record_leaving_needs_manage(member, tree, make_staff, api_client_for):
    payload = {"status": "lapsed", "reason": "连续欠缴会费"}
    viewer = api_client_for(make_staff(tree.zgc, Role.REVIEWER))
    assert post(viewer, f"/api/v1/members/{member.pk}/leave", payload).status_code == 404
    admin = api_client_for(make_staff(tree.zgc))
    response = post(admin, f"/api/v1/members/{member.pk}/leave", payload)
    assert response.json()["status"] == "lapsed"
    again = post(admin, f"/api/v1/members/{member.pk}/leave", payload)
    assert again.status_code == 409
    assert again.json()["code"] == "not_active"


# --- imports -------------------------------------------------------------------------------------


def enterprises_xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "统一社会信用代码", "所属行业", "职工人数"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("企业名单.xlsx", buffer.getvalue())


def test_import_through_the_api(
    tree, make_staff, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(make_staff(tree.zgc))
    good = credit_code()
    upload = enterprises_xlsx(
        [["北京好科技有限公司", good, "I", 120], ["北京坏代码有限公司", "123", "I", 10]]
    )
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/imports",
            {"kind": "enterprises", "org_id": tree.zgc.pk, "file": upload},
            headers=EN,
        )
    assert started.status_code == 201
    job_id = started.json()["id"]
    assert started.json()["original_name"] == "企业名单.xlsx"
    checked = get(client, f"/api/v1/imports/{job_id}").json()
    assert checked["status"] == "checked"
    assert (checked["total_rows"], checked["valid_rows"], checked["error_count"]) == (2, 1, 1)
    assert (checked["refused_rows"], checked["reasons"]) == (1, {"invalid": 1})
    assert checked["has_annotated_file"] is True
    problems = get(client, f"/api/v1/imports/{job_id}/problems").json()
    assert problems["count"] == 1
    [error] = problems["items"]
    assert (error["row"], error["column"], error["kind"]) == (3, "统一社会信用代码", "error")
    filtered = get(client, f"/api/v1/imports/{job_id}/problems?kind=warning").json()
    assert filtered == {"items": [], "count": 0}
    assert get(client, f"/api/v1/imports/{job_id}/problems?kind=bad").status_code == 422
    annotated = client.get(f"/api/v1/imports/{job_id}/annotated")
    assert annotated.status_code == 200
    book = load_workbook(io.BytesIO(annotated.content))
    header = ["企业名称", "统一社会信用代码", "所属行业", "职工人数", "问题"]
    assert [c.value for c in book.active[1]] == header
    assert book.active["E2"].value is None
    assert "统一社会信用代码" in book.active["E3"].value
    assert not Enterprise.objects.filter(credit_code=good).exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = post(client, f"/api/v1/imports/{job_id}/confirm", {})
    assert confirmed.status_code == 200
    done = get(client, f"/api/v1/imports/{job_id}").json()
    assert done["status"] == "done"
    assert done["percent"] == 100
    assert Enterprise.objects.filter(credit_code=good).count() == 1
    again = post(client, f"/api/v1/imports/{job_id}/confirm", {})
    assert again.status_code == 400
    assert again.json()["code"] == "not_checked"
    finished = post(client, f"/api/v1/imports/{job_id}/cancel", {})
    assert finished.status_code == 400
    assert finished.json()["code"] == "not_cancellable"


def test_a_checked_import_is_cancelled_through_the_api(
    tree, make_staff, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(make_staff(tree.zgc))
    upload = enterprises_xlsx([["北京好科技有限公司", credit_code(), "I", 120]])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/imports",
            {"kind": "enterprises", "org_id": tree.zgc.pk, "file": upload},
            headers=EN,
        )
    job_id = started.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = post(client, f"/api/v1/imports/{job_id}/cancel", {})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    job = ImportJob.objects.get(pk=job_id)
    assert not job.file.storage.exists(str(job.file.name))
    none = client.get(f"/api/v1/imports/{job_id}/annotated", headers=EN)
    assert (none.status_code, none.json()["code"]) == (404, "no_annotated_file")


def test_imports_are_scoped(tree, make_staff, api_client_for):
    outsider = api_client_for(make_staff(tree.hlg))
    response = outsider.post(
        "/api/v1/imports",
        {"kind": "enterprises", "org_id": tree.zgc.pk, "file": enterprises_xlsx([])},
        headers=EN,
    )
    assert response.status_code == 404
    unknown = api_client_for(make_staff(tree.zgc)).post(
        "/api/v1/imports",
        {"kind": "pets", "org_id": tree.zgc.pk, "file": enterprises_xlsx([])},
        headers=EN,
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "unknown_import"


# --- documentation -------------------------------------------------------------------------------


def test_every_members_operation_is_documented(db):
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [
        operation
        for item in schema["paths"].values()
        for operation in item.values()
        if {"members", "imports"} & set(operation.get("tags", []))
    ]
    assert len(operations) == 26  # imports: cancel, problems and the annotated file too
    for operation in operations:
        assert operation["description"].strip(), operation["operationId"]
    public = {operation["operationId"] for operation in operations if "security" not in operation}
    assert public == {
        "submit_application",
        "get_application_status",
        "get_card_public_key",
        "check_card",
    }


@pytest.mark.postgres
def test_import_problems_filtered_by_a_nul_are_an_empty_page(
    tree, make_staff, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(make_staff(tree.zgc))
    upload = enterprises_xlsx([["北京坏代码有限公司", "123", "I", 10]])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/imports",
            {"kind": "enterprises", "org_id": tree.zgc.pk, "file": upload},
            headers=EN,
        )
    job_id = started.json()["id"]
    found = get(client, f"/api/v1/imports/{job_id}/problems?column=%00&code=a%00b")
    assert (found.status_code, found.json()["count"]) == (200, 0)
