import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.checkins.actions import screen_code
from gonghui.checkins.models import CheckIn, Registration
from gonghui.members.cards import card_code_of
from gonghui.volunteers.models import Certification
from gonghui.volunteers.tests.factories import local, setting, shift, user_of, volunteer

EN = {"Accept-Language": "en"}
NEXT_YEAR = timezone.localdate().year + 1


def post(client: Client, path: str, payload: Any = None, **headers: str):
    return client.post(
        path,
        json.dumps(payload if payload is not None else {}),
        content_type="application/json",
        headers={**EN, **headers},
    )


@pytest.fixture
def place(tree, make_staff):
    return setting(make_staff(tree.hlg, "operator"), tree.hlg)


@pytest.fixture
def cleaning(place):
    return shift(place, local(NEXT_YEAR, 3, 1, 9), local(NEXT_YEAR, 3, 1, 11), places=1)


def test_sign_up_is_idempotent_and_a_full_shift_refuses(
    place, cleaning, tree, operator, api_client_for
):
    first, second = volunteer(operator, tree.hlg), volunteer(operator, tree.hlg)
    path = f"/api/v1/volunteers/shifts/{cleaning.pk}/sign-up"
    one = api_client_for(user_of(first))
    answer = post(one, path, **{"Idempotency-Key": "s-1"})
    again = post(one, path, **{"Idempotency-Key": "s-1"})
    assert answer.status_code == again.status_code == 200
    assert answer.json() == {"shift_id": cleaning.pk, "status": "confirmed"}
    assert again["Idempotent-Replayed"] == "true"
    full = post(api_client_for(user_of(second)), path)
    assert full.status_code == 409
    assert full.json() == {
        "code": "full",
        "message": "“月末清洁日 · 第一组” is full.",
        "fields": {},
    }
    assert Registration.objects.count() == 1


def test_duty_batch_attendance_and_certification(
    place, cleaning, tree, operator, api_client_for, make_staff
):
    member = volunteer(operator, tree.hlg)
    client = api_client_for(user_of(member))
    post(client, f"/api/v1/volunteers/shifts/{cleaning.pk}/sign-up")
    card = card_code_of(member)
    desk = api_client_for(make_staff(tree.hlg, "operator"))
    batch = {
        "device": "pad-1",
        "items": [
            {"nonce": "a", "card": card, "scanned_at": local(NEXT_YEAR, 3, 1, 8, 55).isoformat()},
            {
                "nonce": "b",
                "card": card,
                "scanned_at": local(NEXT_YEAR, 3, 1, 10, 40).isoformat(),
                "departure": True,
            },
        ],
    }
    path = f"/api/v1/volunteers/shifts/{cleaning.pk}/reports/batch"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: local(NEXT_YEAR, 3, 1, 12))
        uploaded = post(desk, path, batch)
        replayed = post(desk, path, batch)
    assert [r["code"] for r in uploaded.json()["results"]] == ["checked_in", "left"]
    assert [r["replayed"] for r in replayed.json()["results"]] == [True, True]
    assert CheckIn.objects.get().left_at == local(NEXT_YEAR, 3, 1, 10, 40)

    rows = client_get(place, api_client_for, f"/api/v1/volunteers/shifts/{cleaning.pk}/attendance")
    assert rows[0]["hours"]["minutes"] == 90  # 09:00–10:40 is 100 minutes, credited 1.5 h
    own = post(
        api_client_for(user_of(member)),
        f"/api/v1/volunteers/shifts/{cleaning.pk}/certify",
        {"member_id": member.pk},
    )
    assert own.status_code == 404  # a volunteer is no leader here
    certified = post(
        api_client_for(place.organiser),
        f"/api/v1/volunteers/shifts/{cleaning.pk}/certify",
        {"member_id": member.pk},
    )
    assert certified.status_code == 201
    assert certified.json()["minutes"] == 90
    assert Certification.objects.count() == 1
    mine = client.get("/api/v1/me/volunteering", headers=EN).json()
    assert mine["years"] == [{"year": NEXT_YEAR, "minutes": 90, "shifts": 1}]


def client_get(place, api_client_for, path: str) -> Any:
    answer = api_client_for(place.organiser).get(path, headers=EN)
    assert answer.status_code == 200
    return answer.json()


def test_duty_by_the_screen_code(place, tree, operator, api_client_for):
    start = timezone.now() + timedelta(minutes=20)
    soon = shift(place, start, start + timedelta(hours=2))
    member = volunteer(operator, tree.hlg)
    client = api_client_for(user_of(member))
    post(client, f"/api/v1/volunteers/shifts/{soon.pk}/sign-up")
    answer = post(
        client,
        f"/api/v1/volunteers/shifts/{soon.pk}/duty",
        {"code": screen_code(soon.checkpoint)},
    )
    assert (answer.status_code, answer.json()["code"]) == (200, "checked_in")
    early = post(
        client,
        f"/api/v1/volunteers/shifts/{soon.pk}/duty",
        {"code": screen_code(soon.checkpoint), "departure": True},
    )
    assert early.json()["code"] == "left"


@pytest.mark.parametrize(
    ("who", "status"), [("organiser", 200), ("other_branch", 404), ("viewer", 404)]
)
def test_staff_operations_are_scoped(
    place, cleaning, tree, make_staff, api_client_for, who, status
):
    users = {
        "organiser": place.organiser,
        "other_branch": make_staff(tree.district, "org_admin"),
        "viewer": make_staff(tree.hlg, "viewer"),
    }
    client = api_client_for(users[who])
    for path in (
        f"/api/v1/volunteers/projects/{place.project.pk}/shifts",
        f"/api/v1/volunteers/shifts/{cleaning.pk}/attendance",
    ):
        assert client.get(path, headers=EN).status_code == status, path


def test_a_swap_is_one_step_and_refuses_a_full_shift(place, tree, operator, api_client_for):
    first = shift(place, local(NEXT_YEAR, 4, 1, 9), local(NEXT_YEAR, 4, 1, 11), places=1)
    second = shift(place, local(NEXT_YEAR, 4, 2, 9), local(NEXT_YEAR, 4, 2, 11), places=1)
    third = shift(place, local(NEXT_YEAR, 4, 3, 9), local(NEXT_YEAR, 4, 3, 11), places=1)
    me, other = volunteer(operator, tree.hlg), volunteer(operator, tree.hlg)
    client = api_client_for(user_of(me))
    post(client, f"/api/v1/volunteers/shifts/{first.pk}/sign-up")
    post(api_client_for(user_of(other)), f"/api/v1/volunteers/shifts/{third.pk}/sign-up")
    swapped = post(client, f"/api/v1/volunteers/shifts/{first.pk}/swap", {"to_shift_id": second.pk})
    assert swapped.json() == {"shift_id": second.pk, "status": "confirmed"}
    refused = post(client, f"/api/v1/volunteers/shifts/{second.pk}/swap", {"to_shift_id": third.pk})
    assert (refused.status_code, refused.json()["code"]) == (409, "full")
    held = Registration.objects.filter(member=me, status="confirmed")
    assert [r.checkpoint_id for r in held] == [second.checkpoint_id]
