"""The activities API: staff publishing, registrations and the waiting list, check-in by card
(single and offline batch) with its query budgets, attendance and figures; members browsing,
registering, confirming an offer and checking in with the big screen's code."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.api.api import api
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Checkpoint, Registration, ScanNonce
from gonghui.core.personal import mask_name
from gonghui.events import actions
from gonghui.events.models import Activity
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org

EN = {"Accept-Language": "en"}


def send(client: Client, method: str, path: str, payload: Any = None, **headers: str):
    return client.generic(
        method,
        path,
        json.dumps(payload if payload is not None else {}),
        content_type="application/json",
        headers={**EN, **headers},
    )


def post(client: Client, path: str, payload: Any = None, **headers: str):
    return send(client, "POST", path, payload, **headers)


def get(client: Client, path: str, **params: Any):
    return client.get(path, params, headers=EN)


def make_member(org: Org, operator: User, **overrides: Any) -> Member:
    return member_actions.import_member(
        actor=operator, org=org, joined_on=timezone.localdate(), **person(**overrides)
    )


def card_of(member: Member) -> str:
    member.refresh_from_db()
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


@pytest.fixture
def organiser(tree, make_staff):
    return make_staff(tree.zgc, Role.OPERATOR)


@pytest.fixture
def staff(organiser, api_client_for):
    return api_client_for(organiser)


@pytest.fixture
def make_activity(operator) -> Callable[..., Activity]:
    def make(
        org: Org,
        *,
        title: str = "工匠精神研讨会",
        starts_in: timedelta = timedelta(minutes=-30),
        hours: int = 3,
        publish: bool = True,
        audience: str = "subtree",
        category: str = "seminar",
        **checkpoint_fields: Any,
    ) -> Activity:
        start = timezone.now() + starts_in
        return actions.create_activity(
            actor=operator,
            org=org,
            title=title,
            category=category,
            description="研讨",
            audience=audience,
            audience_org=None,
            place="中关村会议中心",
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            publish=publish,
            **checkpoint_fields,
        )

    return make


@pytest.fixture
def activity(tree, make_activity):
    """Running now at 中关村, registration needed, no walk-ins."""
    return make_activity(tree.zgc)


@pytest.fixture
def member_client(operator, api_client_for) -> Callable[[Org], tuple[Member, Client]]:
    """A member of `org` with a worker account, calling with a bearer token."""

    def make(org: Org) -> tuple[Member, Client]:
        details = person()
        member = make_member(org, operator, **details)
        user = User.objects.create_user(mobile=details["mobile"])
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
        return member, api_client_for(user)

    return make


def registered(member: Member, activity: Activity) -> Registration:
    return actions.register_for_activity(member=member, activity=activity)


def checkin_path(activity: Activity) -> str:
    return f"/api/v1/activities/{activity.pk}/checkins"


def batch_path(activity: Activity) -> str:
    return f"/api/v1/activities/{activity.pk}/checkins/batch"


def counters(activity: Activity) -> tuple[int, int, int]:
    checkpoint = Checkpoint.objects.get(pk=activity.checkpoint_id)
    return checkpoint.confirmed_places, checkpoint.checked_in, checkpoint.walk_ins


# --- check-in by card ------------------------------------------------------------------------


def test_a_card_scan_checks_in_once_and_then_answers_already(
    tree, operator, activity, staff, organiser
):
    member = make_member(tree.sohu, operator, name="张小三")
    registered(member, activity)

    first = post(staff, checkin_path(activity), {"card": card_of(member)})
    assert first.status_code == 200
    body = first.json()
    assert body["ok"] is True
    assert body["code"] == "checked_in"
    assert body["message"] == "Checked in."
    assert body["member_name"] == "张*三"
    assert body["member_number"] == member.number
    assert body["walk_in"] is False
    assert body["replayed"] is False
    row = CheckIn.objects.get(checkpoint_id=activity.checkpoint_id, member=member)
    assert (row.method, row.recorded_by_id) == ("card", organiser.pk)
    assert body["checked_in_at"] == timezone.localtime(row.checked_in_at).isoformat()

    again = post(staff, checkin_path(activity), {"card": card_of(member)})
    assert again.status_code == 200
    assert again.json()["code"] == "already_checked_in"
    assert again.json()["ok"] is False
    assert again.json()["checked_in_at"] == body["checked_in_at"]
    first_at = timezone.localtime(row.checked_in_at).strftime("%H:%M")
    assert again.json()["message"] == f"Already checked in at {first_at}."
    assert CheckIn.objects.filter(checkpoint_id=activity.checkpoint_id).count() == 1
    assert counters(activity) == (1, 1, 0)


def test_card_scan_refusals_are_answers_with_their_own_codes(
    tree, operator, activity, staff, make_activity
):
    stranger = make_member(tree.zgc, operator)
    revoked = make_member(tree.zgc, operator)
    registered(revoked, activity)
    old_card = card_of(revoked)
    member_actions.revoke_card(actor=operator, member=revoked, reason="手机丢失")
    walk_ins = make_activity(tree.zgc, title="普惠观影", allows_walk_ins=True)
    later = make_activity(tree.zgc, title="消防演练", starts_in=timedelta(days=2))
    over = make_activity(tree.zgc, title="五小成果展示", starts_in=timedelta(hours=-5), hours=2)
    draft = make_activity(tree.zgc, title="待发布", publish=False)
    cancelled = make_activity(tree.zgc, title="已取消")
    actions.cancel_activity(actor=operator, activity=cancelled, reason="场地检修")

    def code(target: Activity, card: str) -> tuple[int, str, str]:
        response = post(staff, checkin_path(target), {"card": card})
        return response.status_code, response.json()["code"], response.json()["message"]

    assert code(activity, card_of(stranger)) == (200, "not_registered", "Not registered for this.")
    assert code(activity, old_card) == (200, "card_revoked", "This card has been revoked.")
    assert code(activity, "GH1.forged.card") == (200, "card_invalid", "Not a genuine member card.")
    assert code(activity, "") == (200, "card_invalid", "Not a genuine member card.")
    assert code(later, card_of(stranger))[:2] == (200, "not_open")
    assert code(over, card_of(stranger)) == (200, "closed", "Check-in has closed.")
    assert code(draft, card_of(stranger))[:2] == (200, "not_published")
    assert code(cancelled, card_of(stranger))[:2] == (200, "activity_cancelled")
    walk_in = post(staff, checkin_path(walk_ins), {"card": card_of(stranger)}).json()
    assert (walk_in["code"], walk_in["walk_in"]) == ("checked_in", True)
    assert walk_in["message"] == "Checked in as a walk-in."
    assert CheckIn.objects.filter(member=stranger).count() == 1
    assert CheckIn.objects.filter(member=revoked).count() == 0
    assert counters(walk_ins) == (0, 1, 1)


def test_a_card_scan_outside_the_scope_is_not_found_and_records_nothing(
    tree, operator, activity, make_staff, api_client_for
):
    member = make_member(tree.zgc, operator)
    registered(member, activity)
    elsewhere = api_client_for(make_staff(tree.hlg, Role.OPERATOR))
    viewer = api_client_for(make_staff(tree.zgc, Role.VIEWER))  # no checkins.scan
    for client in (elsewhere, viewer):
        response = post(client, checkin_path(activity), {"card": card_of(member)})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    missing = post(elsewhere, "/api/v1/activities/999999/checkins", {"card": card_of(member)})
    assert missing.status_code == 404
    assert not CheckIn.objects.exists()


def test_a_scan_retried_with_its_nonce_gets_the_first_answer(tree, operator, activity, staff):
    member = make_member(tree.zgc, operator)
    registered(member, activity)
    scan = {"card": card_of(member), "nonce": "desk-1-0001"}
    first = post(staff, checkin_path(activity), scan).json()
    retry = post(staff, checkin_path(activity), scan).json()
    assert first["code"] == retry["code"] == "checked_in"
    assert (first["replayed"], retry["replayed"]) == (False, True)
    assert retry["checked_in_at"] == first["checked_in_at"]
    other_nonce = post(staff, checkin_path(activity), {**scan, "nonce": "desk-1-0002"}).json()
    assert other_nonce["code"] == "already_checked_in"
    assert CheckIn.objects.count() == 1


def test_malformed_scans_are_refused_with_field_errors(tree, operator, activity, staff):
    too_long = post(staff, checkin_path(activity), {"card": "x" * 2001})
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "invalid"
    assert too_long.json()["fields"] == {"card": ["At most 2000 characters."]}
    missing = post(staff, checkin_path(activity), {"nonce": "n1"})
    assert missing.status_code == 422
    assert missing.json()["fields"] == {"card": ["This field is required."]}
    long_nonce = post(staff, checkin_path(activity), {"card": "GH1", "nonce": "n" * 65})
    assert long_nonce.json()["fields"] == {"nonce": ["At most 64 characters."]}
    assert not CheckIn.objects.exists()


def test_single_scan_query_budget(tree, operator, activity, staff, django_assert_max_num_queries):
    """The hot path: the token, the caller's grants, the activity (with its checkpoint), the
    member with their registration and earlier check-in (one query); then the check-in row,
    its counter and the daily tally, together in one transaction (no savepoint: a clash
    skips the row instead of raising)."""
    members = [make_member(tree.zgc, operator) for _ in range(3)]
    for member in members:
        registered(member, activity)
    codes = [card_of(member) for member in members]
    post(staff, checkin_path(activity), {"card": codes[0]})  # stores the token's last use
    with django_assert_max_num_queries(7):
        response = post(staff, checkin_path(activity), {"card": codes[1]})
    assert response.json()["code"] == "checked_in"
    # A second scan: the member's query already says when they checked in; nothing is written.
    with django_assert_max_num_queries(4):
        again = post(staff, checkin_path(activity), {"card": codes[1]})
    assert again.json()["code"] == "already_checked_in"
    # A nonce adds its transaction (savepoint and release here; the device's advisory lock
    # on PostgreSQL), its lookup and the stored answer.
    with django_assert_max_num_queries(12):
        nonced = post(staff, checkin_path(activity), {"card": codes[2], "nonce": "n3"})
    assert nonced.json()["code"] == "checked_in"


# --- offline batches -------------------------------------------------------------------------


def scanned(minutes_ago: int = 5) -> str:
    return (timezone.now() - timedelta(minutes=minutes_ago)).isoformat()


def test_a_batch_answers_each_item_in_order_and_a_repeat_changes_nothing(
    tree, operator, activity, staff
):
    ok = make_member(tree.zgc, operator, name="李大明")
    stranger = make_member(tree.zgc, operator)
    revoked = make_member(tree.zgc, operator)
    for member in (ok, revoked):
        registered(member, activity)
    old_card = card_of(revoked)
    member_actions.revoke_card(actor=operator, member=revoked, reason="手机丢失")
    early = (activity.starts_at - timedelta(hours=2)).isoformat()
    batch = {
        "device": "pad-7",
        "items": [
            {"nonce": "a1", "card": card_of(ok), "scanned_at": scanned(10)},
            {"nonce": "a2", "card": card_of(stranger), "scanned_at": scanned(9)},
            {"nonce": "a3", "card": old_card, "scanned_at": scanned(8)},
            {"nonce": "a4", "card": card_of(ok), "scanned_at": scanned(7)},
            {"nonce": "a5", "card": "not a card", "scanned_at": scanned(6)},
            {"nonce": "a6", "card": card_of(stranger), "scanned_at": early},
            {"nonce": "", "card": card_of(ok), "scanned_at": scanned(5)},
        ],
    }
    response = post(staff, batch_path(activity), batch)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["nonce"], r["code"]) for r in results] == [
        ("a1", "checked_in"),
        ("a2", "not_registered"),
        ("a3", "card_revoked"),
        ("a4", "already_checked_in"),
        ("a5", "card_invalid"),
        ("a6", "not_open"),
        ("", "invalid_nonce"),
    ]
    assert results[0]["member_name"] == "李*明"
    assert results[0]["ok"] is True
    assert results[1]["checked_in_at"] is None
    assert results[3]["checked_in_at"] == results[0]["checked_in_at"]
    assert not any(r["replayed"] for r in results)
    row = CheckIn.objects.get(member=ok)
    assert row.method == "batch"
    assert timezone.localtime(row.checked_in_at).isoformat() == results[0]["checked_in_at"]

    repeat = post(staff, batch_path(activity), batch).json()["results"]
    assert [(r["nonce"], r["code"], r["checked_in_at"]) for r in repeat] == [
        (r["nonce"], r["code"], r["checked_in_at"]) for r in results
    ]
    assert [r["replayed"] for r in repeat] == [True] * 6 + [False]
    assert CheckIn.objects.count() == 1
    assert counters(activity) == (2, 1, 0)


def test_a_batch_sent_twice_with_its_idempotency_key_is_replayed_byte_for_byte(
    tree, operator, activity, staff
):
    members = [make_member(tree.zgc, operator) for _ in range(3)]
    for member in members:
        registered(member, activity)
    batch = {
        "device": "pad-8",
        "items": [
            {"nonce": f"k{i}", "card": card_of(m), "scanned_at": scanned()}
            for i, m in enumerate(members)
        ],
    }
    first = post(staff, batch_path(activity), batch, **{"Idempotency-Key": "upload-1"})
    second = post(staff, batch_path(activity), batch, **{"Idempotency-Key": "upload-1"})
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert [r["code"] for r in first.json()["results"]] == ["checked_in"] * 3
    assert CheckIn.objects.count() == 3
    assert counters(activity) == (3, 3, 0)


def test_a_malformed_batch_is_refused_whole(tree, operator, activity, staff):
    member = make_member(tree.zgc, operator)
    registered(member, activity)
    card = card_of(member)
    naive = post(
        staff,
        batch_path(activity),
        {
            "device": "pad-9",
            "items": [
                {"nonce": "b1", "card": card, "scanned_at": scanned()},
                {"nonce": "b2", "card": card, "scanned_at": "2026-05-01T09:30:00"},
            ],
        },
    )
    assert naive.status_code == 400
    assert naive.json() == {
        "code": "invalid_time",
        "message": "Each item needs its scan time in ISO 8601 with a time zone.",
        "fields": {
            "items.1.scanned_at": ["Each item needs its scan time in ISO 8601 with a time zone."]
        },
    }
    item = {"nonce": "c", "card": card, "scanned_at": scanned()}
    too_many = post(
        staff,
        batch_path(activity),
        {"device": "pad-9", "items": [{**item, "nonce": f"c{i}"} for i in range(501)]},
    )
    assert (too_many.status_code, too_many.json()["code"]) == (400, "batch_too_large")
    assert too_many.json()["message"] == "Send at most 500 scans at once."
    no_device = post(staff, batch_path(activity), {"device": " ", "items": [item]})
    assert (no_device.status_code, no_device.json()["code"]) == (400, "invalid_device")
    no_items = post(staff, batch_path(activity), {"device": "pad-9"})
    assert no_items.status_code == 422
    assert no_items.json()["fields"] == {"items": ["This field is required."]}
    assert not CheckIn.objects.exists()
    assert not ScanNonce.objects.exists()


def test_a_batch_outside_the_scope_is_not_found(
    tree, operator, activity, make_staff, api_client_for
):
    member = make_member(tree.zgc, operator)
    registered(member, activity)
    outsider = api_client_for(make_staff(tree.desheng, Role.ORG_ADMIN))
    item = {"nonce": "d1", "card": card_of(member), "scanned_at": scanned()}
    response = post(outsider, batch_path(activity), {"device": "pad", "items": [item]})
    assert response.status_code == 404
    assert not CheckIn.objects.exists()
    assert not ScanNonce.objects.exists()


def test_batch_query_budget_does_not_grow_with_the_batch(
    tree, operator, activity, staff, django_assert_max_num_queries
):
    members = [make_member(tree.zgc, operator) for _ in range(100)]
    for member in members:
        registered(member, activity)
    items = [
        {"nonce": f"q{i}", "card": card_of(m), "scanned_at": scanned()}
        for i, m in enumerate(members)
    ]
    post(staff, checkin_path(activity), {"card": "warm-up"})  # the token's last use is stored
    # Token, grants, activity; then in one transaction the nonces claimed and read back, the
    # members, their registrations and check-ins, one insert of the rows (returning which it
    # stored), the counter, the tally and one update of the answers.
    with django_assert_max_num_queries(14):
        response = post(staff, batch_path(activity), {"device": "pad-q", "items": items})
    assert [r["code"] for r in response.json()["results"]] == ["checked_in"] * 100
    with django_assert_max_num_queries(7):
        repeat = post(staff, batch_path(activity), {"device": "pad-q", "items": items})
    assert all(r["replayed"] for r in repeat.json()["results"])
    assert CheckIn.objects.count() == 100
    assert counters(activity) == (100, 100, 0)


# --- staff: activities -----------------------------------------------------------------------


def activity_body(org: Org, **values: Any) -> dict[str, Any]:
    start = timezone.localtime() + timedelta(days=7)
    return {
        "org_id": org.pk,
        "title": "安康杯知识竞赛",
        "category": "contest",
        "description": "门头沟区安康杯",
        "audience": "subtree",
        "place": "门头沟区工人文化宫",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(),
        "capacity": 2,
        **values,
    }


def test_staff_create_publish_edit_and_cancel_an_activity(
    tree, staff, sms_outbox, operator, django_capture_on_commit_callbacks
):
    created = post(staff, "/api/v1/activities", activity_body(tree.zgc))
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["status_label"]) == ("draft", "Draft")
    assert body["capacity"] == 2
    assert body["places_left"] == 2
    assert body["audience_org_id"] == tree.zgc.pk
    assert body["audience_org_name"] == tree.zgc.name
    assert body["counts"]["registered"] == 0
    activity_id = body["id"]
    # Registration closes when the activity ends unless said otherwise.
    assert body["registration_closes_at"] == body["ends_at"]

    published = post(staff, f"/api/v1/activities/{activity_id}/publish")
    assert published.json()["status"] == "published"
    again = post(staff, f"/api/v1/activities/{activity_id}/publish")
    assert (again.status_code, again.json()["code"]) == (409, "not_draft")

    version = published.json()["version"]
    edited = send(
        staff,
        "PATCH",
        f"/api/v1/activities/{activity_id}",
        {"version": version, "place": "门头沟区体育馆", "capacity": None, "category": "drill"},
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["place"] == "门头沟区体育馆"
    assert edited.json()["capacity"] is None
    assert (edited.json()["category"], edited.json()["category_label"]) == ("drill", "Drill")
    assert edited.json()["title"] == "安康杯知识竞赛"
    assert edited.json()["version"] == version + 1
    moved = send(
        staff,
        "PATCH",
        f"/api/v1/activities/{activity_id}",
        {"version": version + 1, "org_id": tree.hlg.pk},
    )
    assert moved.status_code == 404
    invalid = send(
        staff,
        "PATCH",
        f"/api/v1/activities/{activity_id}",
        {"version": version + 1, "audience": "friends"},
    )
    assert invalid.status_code == 422
    assert invalid.json()["fields"] == {"audience": ["Choose one of the allowed values."]}
    version += 1
    stale = send(
        staff, "PATCH", f"/api/v1/activities/{activity_id}", {"version": version - 1, "place": "x"}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")

    member = make_member(tree.zgc, operator)
    registered(member, Activity.objects.get(pk=activity_id))
    blank = post(staff, f"/api/v1/activities/{activity_id}/cancel", {"reason": "  "})
    assert (blank.status_code, blank.json()["code"]) == (400, "reason_required")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = post(staff, f"/api/v1/activities/{activity_id}/cancel", {"reason": "暴雨"})
    assert cancelled.json()["status"] == "cancelled"
    assert Registration.objects.get(member=member).status == "cancelled"
    assert (sms_outbox[-1].mobile, sms_outbox[-1].text) == (
        str(member.mobile),
        "“安康杯知识竞赛” is cancelled: 暴雨",
    )


def test_capacity_cannot_drop_below_the_places_taken(tree, operator, staff, make_activity):
    activity = make_activity(tree.zgc, starts_in=timedelta(days=2), capacity=5)
    for _ in range(3):
        registered(make_member(tree.zgc, operator), activity)
    response = send(
        staff,
        "PATCH",
        f"/api/v1/activities/{activity.pk}",
        {"version": activity.version, "capacity": 2},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "capacity_below_taken"
    assert response.json()["fields"] == {
        "capacity": ["3 places are already taken; the capacity cannot be lower."]
    }


def test_create_refuses_bad_input_with_precise_codes(tree, staff, make_staff, api_client_for):
    body = activity_body(tree.zgc)
    backwards = post(staff, "/api/v1/activities", {**body, "ends_at": body["starts_at"]})
    assert backwards.status_code == 400
    assert backwards.json()["code"] == "ends_before_start"
    assert backwards.json()["fields"] == {"ends_at": ["The activity must end after it starts."]}
    late_close = (timezone.localtime() + timedelta(days=30)).isoformat()
    window = post(staff, "/api/v1/activities", {**body, "registration_closes_at": late_close})
    assert (window.status_code, window.json()["code"]) == (400, "registration_window")
    bad = post(
        staff,
        "/api/v1/activities",
        {**body, "category": "party", "per_person_limit": 0, "title": ""},
    )
    assert bad.status_code == 422
    assert bad.json()["fields"] == {
        "category": ["Choose one of the allowed values."],
        "per_person_limit": ["The value is too small."],
        "title": ["At least 1 characters."],
    }
    elsewhere = post(staff, "/api/v1/activities", activity_body(tree.hlg))
    assert elsewhere.status_code == 404
    other_audience = post(staff, "/api/v1/activities", {**body, "audience_org_id": tree.hlg.pk})
    assert other_audience.status_code == 404
    viewer = api_client_for(make_staff(tree.zgc, Role.VIEWER))
    assert post(viewer, "/api/v1/activities", body).status_code == 404
    assert not Activity.objects.exists()


def test_the_list_is_scoped_and_filtered(tree, make_activity, staff, operator):
    seminar = make_activity(tree.zgc, title="研讨会", starts_in=timedelta(days=1))
    # Two days back, so that it ends before the seminar's day at any hour the test runs.
    draft = make_activity(
        tree.sohu, title="搜狐草稿", category="drill", publish=False, starts_in=timedelta(days=-2)
    )
    make_activity(tree.hlg, title="回龙观活动")

    def titles(**params: Any) -> list[str]:
        response = get(staff, "/api/v1/activities", **params)
        assert response.status_code == 200
        return [item["title"] for item in response.json()["items"]]

    assert titles() == ["研讨会", "搜狐草稿"]
    assert titles(status="draft") == ["搜狐草稿"]
    assert titles(category="seminar") == ["研讨会"]
    assert titles(within=tree.sohu.pk) == ["搜狐草稿"]
    day = timezone.localdate(seminar.starts_at).isoformat()
    assert titles(date_from=day) == ["研讨会"]
    assert titles(q="草稿") == ["搜狐草稿"]
    assert get(staff, "/api/v1/activities", within=tree.hlg.pk).status_code == 404
    assert get(staff, f"/api/v1/activities/{draft.pk}").status_code == 200
    outside = make_activity(tree.desheng, title="德胜活动")
    assert get(staff, f"/api/v1/activities/{outside.pk}").status_code == 404


def test_figures_by_category_for_a_subtree_and_period(tree, operator, staff, make_activity):
    seminar = make_activity(tree.zgc, title="研讨会")
    make_activity(tree.sohu, title="研讨会二", starts_in=timedelta(days=40))
    make_activity(tree.sohu, title="演练", category="drill", publish=False)
    member = make_member(tree.zgc, operator)
    registered(member, seminar)
    checkins.check_in_by_card(
        actor=operator, checkpoint=seminar.checkpoint, card_code=card_of(member)
    )
    response = get(staff, "/api/v1/activity-figures")
    assert response.status_code == 200
    assert response.json()["org_name"] == tree.zgc.name
    assert response.json()["categories"] == [
        {
            "category": "seminar",
            "category_label": "Seminar",
            "activities": 2,
            "registered": 1,
            "checked_in": 1,
        }
    ]
    today = timezone.localdate().isoformat()
    period = get(staff, "/api/v1/activity-figures", within=tree.zgc.pk, date_to=today)
    assert period.json()["categories"][0]["activities"] == 1
    assert get(staff, "/api/v1/activity-figures", within=tree.hlg.pk).status_code == 404


# --- staff: registrations and attendance -----------------------------------------------------


def test_registrations_the_waiting_list_in_order_and_staff_decisions(
    tree, operator, staff, make_activity, sms_outbox, django_capture_on_commit_callbacks
):
    full = make_activity(tree.zgc, starts_in=timedelta(days=2), capacity=1)
    first, second, third = (make_member(tree.zgc, operator) for _ in range(3))
    holder = registered(first, full)
    registered(second, full)
    registered(third, full)
    path = f"/api/v1/activities/{full.pk}/registrations"
    waiting = get(staff, path, status="waitlisted").json()
    assert [item["member_number"] for item in waiting["items"]] == [second.number, third.number]
    assert waiting["items"][0]["member_name"] == mask_name(second.name)
    assert waiting["count"] == 2
    assert get(staff, path).json()["count"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = post(staff, f"{path}/{holder.pk}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    offered = Registration.objects.get(member=second, checkpoint_id=full.checkpoint_id)
    assert offered.status == "offered"
    assert sms_outbox[-1].text.startswith("A place for “工匠精神研讨会” is free for you.")
    twice = post(staff, f"{path}/{holder.pk}/cancel")
    assert (twice.status_code, twice.json()["code"]) == (409, "not_live")

    approval = make_activity(
        tree.zgc, title="需审核", starts_in=timedelta(days=2), approval_required=True
    )
    pending = registered(first, approval)
    decide = f"/api/v1/activities/{approval.pk}/registrations/{pending.pk}/decide"
    approved = post(staff, decide, {"approve": True})
    assert (approved.status_code, approved.json()["status"]) == (200, "confirmed")
    assert (post(staff, decide, {"approve": False}).json()["code"]) == "already_decided"
    # A registration of another activity is not found under this one.
    wrong = f"/api/v1/activities/{full.pk}/registrations/{pending.pk}/decide"
    assert post(staff, wrong, {"approve": True}).status_code == 404


def test_registrations_outside_the_scope_are_not_found(
    tree, operator, make_activity, make_staff, api_client_for
):
    activity = make_activity(tree.zgc, starts_in=timedelta(days=2), approval_required=True)
    pending = registered(make_member(tree.zgc, operator), activity)
    outsider = api_client_for(make_staff(tree.hlg, Role.ORG_ADMIN))
    base = f"/api/v1/activities/{activity.pk}/registrations"
    assert get(outsider, base).status_code == 404
    assert post(outsider, f"{base}/{pending.pk}/decide", {"approve": True}).status_code == 404
    assert post(outsider, f"{base}/{pending.pk}/cancel").status_code == 404
    assert Registration.objects.get(pk=pending.pk).status == "pending"


def test_attendance_counts_and_a_masked_paginated_list(
    tree, operator, staff, make_activity, django_assert_max_num_queries
):
    activity = make_activity(tree.zgc, allows_walk_ins=True)
    people = [make_member(tree.zgc, operator, name=f"赵{n}明") for n in "一二三四"]
    for member in people[:3]:
        registered(member, activity)
    for member in (people[0], people[3]):
        checkins.check_in_by_card(
            actor=operator, checkpoint=activity.checkpoint, card_code=card_of(member)
        )
    path = f"/api/v1/activities/{activity.pk}/attendance"
    with django_assert_max_num_queries(8):
        response = get(staff, path, page_size=1)
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {
        "registered": 3,
        "waitlisted": 0,
        "pending": 0,
        "checked_in": 2,
        "walk_ins": 1,
        "no_shows": 2,
        "started": True,
    }
    assert body["count"] == 2
    assert body["items"] == [
        {
            "member_number": people[0].number,
            "member_name": "赵*明",
            "member_org_name": tree.zgc.name,
            "checked_in_at": body["items"][0]["checked_in_at"],
            "method": "card",
            "method_label": "Member card scanned by staff",
            "walk_in": False,
        }
    ]
    second = get(staff, path, page_size=1, page=2).json()["items"]
    assert [(row["member_number"], row["walk_in"]) for row in second] == [(people[3].number, True)]
    assert "赵一明" not in response.content.decode()
    assert get(staff, path, page=0).status_code == 422


# --- members ---------------------------------------------------------------------------------


def test_members_see_what_is_open_to_them(tree, make_activity, member_client, api_client_for):
    seminar = make_activity(tree.zgc, title="研讨会", starts_in=timedelta(days=3))
    benefit = make_activity(
        tree.root,
        title="普惠观影",
        category="benefit",
        audience="members",
        starts_in=timedelta(days=5),
    )
    drill = make_activity(
        tree.desheng,
        title="消防演练",
        category="drill",
        audience="public",
        starts_in=timedelta(days=10),
    )
    make_activity(tree.zgc, title="草稿", publish=False, starts_in=timedelta(days=3))
    make_activity(tree.zgc, title="去年的", starts_in=timedelta(days=-400))
    _inside, inside = member_client(tree.sohu)
    _outside, outside = member_client(tree.hlg)
    worker = api_client_for(User.objects.create_user(mobile="13812345678"))

    def ids(client: Client, **params: Any) -> list[int]:
        response = get(client, "/api/v1/me/activities", **params)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert ids(inside) == [seminar.pk, benefit.pk, drill.pk]
    assert ids(inside, category="benefit") == [benefit.pk]
    assert ids(outside) == [benefit.pk, drill.pk]
    assert ids(worker) == [drill.pk]
    listed = get(inside, "/api/v1/me/activities").json()["items"][0]
    assert listed["registration_state"] == "open"
    assert listed["places_left"] is None
    assert get(outside, f"/api/v1/me/activities/{seminar.pk}").status_code == 404
    assert get(worker, f"/api/v1/me/activities/{benefit.pk}").status_code == 404
    assert get(worker, f"/api/v1/me/activities/{drill.pk}").status_code == 200


def test_a_member_registers_joins_the_waiting_list_and_confirms_an_offer(
    tree, make_activity, member_client, sms_outbox, django_capture_on_commit_callbacks
):
    activity = make_activity(tree.zgc, starts_in=timedelta(days=2), capacity=1)
    _first, first_client = member_client(tree.zgc)
    second, second_client = member_client(tree.sohu)
    register = f"/api/v1/activities/{activity.pk}/register"

    confirmed = post(first_client, register, {"places": 1})
    assert confirmed.status_code == 201
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["activity_title"] == "工匠精神研讨会"
    again = post(first_client, register)
    assert (again.status_code, again.json()["code"]) == (409, "already_registered")
    waitlisted = post(second_client, register)
    assert waitlisted.json()["status"] == "waitlisted"
    detail = get(second_client, f"/api/v1/me/activities/{activity.pk}").json()
    assert detail["registration"]["status"] == "waitlisted"
    assert detail["places_left"] == 0

    no_offer = post(second_client, f"/api/v1/activities/{activity.pk}/registration/confirm")
    assert (no_offer.status_code, no_offer.json()["code"]) == (409, "no_offer")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = post(first_client, f"/api/v1/activities/{activity.pk}/registration/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert sms_outbox[-1].mobile == str(second.mobile)
    offered = get(second_client, "/api/v1/me/registrations").json()["items"]
    assert [(r["activity_id"], r["status"]) for r in offered] == [(activity.pk, "offered")]
    assert offered[0]["offer_expires_at"] is not None
    taken = post(second_client, f"/api/v1/activities/{activity.pk}/registration/confirm")
    assert (taken.status_code, taken.json()["status"]) == (200, "confirmed")
    none = post(first_client, f"/api/v1/activities/{activity.pk}/registration/cancel")
    assert (none.status_code, none.json()["code"]) == (404, "not_registered")
    assert counters(activity)[0] == 1


def test_registration_refusals_have_distinct_codes(
    tree, make_activity, member_client, api_client_for
):
    _member, client = member_client(tree.zgc)
    limited = make_activity(tree.zgc, starts_in=timedelta(days=2), per_person_limit=2)
    over = post(client, f"/api/v1/activities/{limited.pk}/register", {"places": 3})
    assert over.status_code == 400
    assert over.json()["code"] == "over_limit"
    assert over.json()["fields"] == {"places": ["You can register for at most 2 places."]}
    now = timezone.now()
    past_deadline = make_activity(
        tree.zgc,
        title="截止",
        starts_in=timedelta(days=2),
        registration_closes_at=now - timedelta(hours=1),
        registration_opens_at=now - timedelta(days=3),
    )
    closed = post(client, f"/api/v1/activities/{past_deadline.pk}/register")
    assert (closed.status_code, closed.json()["code"]) == (400, "registration_closed")
    assert closed.json()["message"] == "Registration has closed."
    not_yet = make_activity(
        tree.zgc,
        title="未开始",
        starts_in=timedelta(days=5),
        registration_opens_at=now + timedelta(days=1),
    )
    early = post(client, f"/api/v1/activities/{not_yet.pk}/register")
    assert (early.status_code, early.json()["code"]) == (400, "registration_not_open")
    outside = make_activity(tree.hlg, title="回龙观", starts_in=timedelta(days=2))
    assert post(client, f"/api/v1/activities/{outside.pk}/register").status_code == 404
    public = make_activity(tree.zgc, title="公开", audience="public", starts_in=timedelta(days=2))
    worker = api_client_for(User.objects.create_user(mobile="13812345679"))
    refused = post(worker, f"/api/v1/activities/{public.pk}/register")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_a_member")
    assert get(worker, "/api/v1/me/registrations").json()["code"] == "no_membership"
    assert not Registration.objects.exists()


def test_a_registration_retried_with_its_idempotency_key_registers_once(
    tree, make_activity, member_client
):
    activity = make_activity(tree.zgc, starts_in=timedelta(days=2))
    member, client = member_client(tree.zgc)
    path = f"/api/v1/activities/{activity.pk}/register"
    first = post(client, path, {"places": 1}, **{"Idempotency-Key": "reg-1"})
    retry = post(client, path, {"places": 1}, **{"Idempotency-Key": "reg-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Registration.objects.filter(member=member).count() == 1
    assert counters(activity)[0] == 1


def test_a_member_checks_in_with_the_screen_code(tree, make_activity, member_client):
    activity = make_activity(tree.zgc)
    other = make_activity(tree.zgc, title="另一个活动")
    member, client = member_client(tree.zgc)
    registered(member, activity)
    code = checkins.screen_code(activity.checkpoint)

    def answer(body: dict[str, Any]) -> tuple[int, str]:
        response = post(client, "/api/v1/checkin", body)
        return response.status_code, response.json()["code"]

    old = checkins.screen_code(activity.checkpoint, at=timezone.now() - timedelta(seconds=95))
    assert answer({"code": old}) == (200, "code_expired")
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    assert answer({"code": forged}) == (200, "code_invalid")
    assert answer({"code": code, "activity_id": other.pk}) == (200, "code_other_checkpoint")
    assert answer({"code": "hello"}) == (400, "code_invalid")
    ok = post(client, "/api/v1/checkin", {"code": code}).json()
    assert (ok["ok"], ok["code"], ok["member_name"]) == (True, "checked_in", mask_name(member.name))
    assert answer({"code": code}) == (200, "already_checked_in")
    assert CheckIn.objects.get(member=member).method == "screen"
    mine = get(client, "/api/v1/me/registrations").json()["items"]
    assert [(r["activity_id"], r["checked_in"]) for r in mine] == [(activity.pk, True)]
    shown = get(client, f"/api/v1/me/activities/{activity.pk}").json()
    assert shown["checked_in_at"] is not None


def test_screen_check_in_refusals(tree, make_activity, member_client, api_client_for, operator):
    activity = make_activity(tree.zgc)
    later = make_activity(tree.zgc, title="明天", starts_in=timedelta(days=1))
    _member, client = member_client(tree.zgc)
    code = checkins.screen_code(activity.checkpoint)
    unregistered = post(client, "/api/v1/checkin", {"code": code}).json()
    assert unregistered["code"] == "not_registered"
    early = post(client, "/api/v1/checkin", {"code": checkins.screen_code(later.checkpoint)})
    assert early.json()["code"] == "not_open"
    worker = api_client_for(User.objects.create_user(mobile="13812345670"))
    outsider = post(worker, "/api/v1/checkin", {"code": code})
    assert (outsider.status_code, outsider.json()["code"]) == (403, "not_a_member")
    _far, far_client = member_client(tree.hlg)
    assert post(far_client, "/api/v1/checkin", {"code": code}).status_code == 404
    assert not CheckIn.objects.exists()


# --- the schema ------------------------------------------------------------------------------


def test_every_activities_operation_is_documented():
    schema = api.get_openapi_schema()
    operations = [
        operation
        for path, methods in schema["paths"].items()
        for operation in methods.values()
        if "activities" in operation.get("tags", [])
    ]
    assert len(operations) == 20
    for operation in operations:
        assert operation["summary"], operation["operationId"]
        assert len(operation["description"]) > 40, operation["operationId"]
        assert {400, 401, 404, 422} <= set(operation["responses"]), operation["operationId"]
