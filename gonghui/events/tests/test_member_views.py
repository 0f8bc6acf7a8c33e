"""The members' activity pages: browsing by audience, registering with capacity and the waiting
list, the own list, check-in by the big screen's code, and photos."""

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.events import actions
from gonghui.events.models import Activity
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org

EN = {"Accept-Language": "en"}


@pytest.fixture
def organiser(tree, make_staff: Callable[..., User]) -> User:
    return make_staff(tree.root, "operator")


@pytest.fixture
def make_activity(organiser) -> Callable[..., Activity]:
    def make(
        org: Org,
        *,
        title: str = "工匠精神研讨会",
        category: str = "seminar",
        audience: str = "subtree",
        starts_in: timedelta = timedelta(days=3),
        hours: int = 3,
        **checkpoint_fields: Any,
    ) -> Activity:
        start = timezone.now() + starts_in
        return actions.create_activity(
            actor=organiser,
            org=org,
            title=title,
            category=category,
            description="研讨",
            audience=audience,
            audience_org=None,
            place="中关村会议中心",
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            publish=True,
            **checkpoint_fields,
        )

    return make


MemberClient = tuple[Member, Client]


@pytest.fixture
def member_client(operator, signed_in) -> Callable[[Org], MemberClient]:
    """A member of `org` whose worker account is signed in, asking for English pages."""

    def make(org: Org) -> MemberClient:
        details = person()
        member = member_actions.import_member(
            actor=operator, org=org, joined_on=timezone.localdate(), **details
        )
        user = User.objects.create_user(mobile=details["mobile"])
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
        return member, signed_in(Client(headers=EN), user)

    return make


def listed(html: str) -> list[int]:
    """The activity ids on a list page, in order."""
    return [int(pk) for pk in re.findall(r'<li class="card activity" data-id="(\d+)"', html)]


def answer_code(html: str) -> str:
    found: list[str] = re.findall(r'id="checkin-result" data-code="([a-z_]+)"', html)
    assert len(found) == 1, html
    return found[0]


def checkin_url(activity: Activity, **kwargs: Any) -> str:
    code = checkins.screen_code(activity.checkpoint, **kwargs)
    return reverse("events:member_checkin", kwargs={"code": code})


# --- browsing --------------------------------------------------------------------------------


def test_the_list_filters_by_category_and_date_and_respects_the_audience(
    tree, make_activity, member_client
):
    seminar = make_activity(tree.zgc, starts_in=timedelta(days=3))
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
    _inside, inside = member_client(tree.sohu)
    _outside, outside = member_client(tree.hlg)
    url = reverse("events:member_list")

    assert listed(inside.get(url).content.decode()) == [seminar.pk, benefit.pk, drill.pk]
    assert listed(inside.get(url, {"category": "benefit"}).content.decode()) == [benefit.pk]
    day = (timezone.localtime() + timedelta(days=5)).date().isoformat()
    assert listed(inside.get(url, {"date_from": day, "date_to": day}).content.decode()) == [
        benefit.pk
    ]
    later = (timezone.localtime() + timedelta(days=7)).date().isoformat()
    assert listed(inside.get(url, {"date_from": later}).content.decode()) == [drill.pk]
    # A malformed date is ignored, not a 500.
    assert listed(inside.get(url, {"date_to": "yesterday"}).content.decode()) == [
        seminar.pk,
        benefit.pk,
        drill.pk,
    ]

    assert listed(outside.get(url).content.decode()) == [benefit.pk, drill.pk]
    assert outside.get(reverse("events:member_detail", args=[seminar.pk])).status_code == 404
    assert inside.get(reverse("events:member_detail", args=[seminar.pk])).status_code == 200
    assert listed(Client(headers=EN).get(url).content.decode()) == [drill.pk]


def test_the_list_starts_today_unless_the_from_date_is_cleared(tree, make_activity, member_client):
    past = make_activity(tree.zgc, title="上周的研讨", starts_in=timedelta(days=-7))
    coming = make_activity(tree.zgc, starts_in=timedelta(days=2))
    _member, client = member_client(tree.zgc)
    url = reverse("events:member_list")
    assert listed(client.get(url).content.decode()) == [coming.pk]
    assert listed(client.get(url, {"date_from": ""}).content.decode()) == [past.pk, coming.pk]


def test_the_list_shows_places_left_or_the_waiting_list(tree, make_activity, member_client):
    open_one = make_activity(tree.zgc, capacity=5)
    full = make_activity(tree.zgc, capacity=1, starts_in=timedelta(days=4))
    unlimited = make_activity(tree.zgc, starts_in=timedelta(days=5))
    member, client = member_client(tree.zgc)
    actions.register_for_activity(member=member, activity=open_one)
    actions.register_for_activity(member=member, activity=full)
    html = client.get(reverse("events:member_list")).content.decode()
    places = re.findall(r'<dd class="places">([^<]*)</dd>', html)
    assert listed(html) == [open_one.pk, full.pk, unlimited.pk]
    assert places == ["4 places left", "Full: waiting list", "No limit"]


def test_the_list_costs_the_same_queries_for_one_or_three_activities(
    tree, make_activity, member_client
):
    _member, client = member_client(tree.zgc)
    url = reverse("events:member_list")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    make_activity(tree.zgc)
    one = queries_for_list()
    make_activity(tree.zgc, category="benefit", audience="members")
    make_activity(tree.zgc, category="drill", audience="public")
    assert len(listed(client.get(url).content.decode())) == 3
    assert queries_for_list() == one


def test_the_detail_shows_the_report_with_its_photos_once_published(
    tree, make_activity, member_client, organiser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(tree.zgc, starts_in=timedelta(hours=-2))
    cover = actions.add_photo(actor=organiser, activity=activity, upload=jpeg(), use="description")
    scene = actions.add_photo(actor=organiser, activity=activity, upload=jpeg(), use="report")
    _member, client = member_client(tree.zgc)
    url = reverse("events:member_detail", args=[activity.pk])
    photo_url = "/a/{}/photos/{}/"

    html = client.get(url).content.decode()
    assert 'id="report"' not in html
    assert photo_url.format(activity.pk, cover.pk) in html
    assert photo_url.format(activity.pk, scene.pk) not in html
    assert client.get(photo_url.format(activity.pk, scene.pk)).status_code == 404

    actions.publish_report(actor=organiser, activity=activity, text="两百名职工参加。")
    html = client.get(url).content.decode()
    report = html[html.index('id="report"') :]
    assert "两百名职工参加。" in report
    assert photo_url.format(activity.pk, scene.pk) in report
    assert client.get(photo_url.format(activity.pk, scene.pk)).status_code == 200


def test_a_cancelled_activity_says_so(tree, make_activity, member_client, organiser):
    activity = make_activity(tree.zgc)
    member, client = member_client(tree.zgc)
    actions.register_for_activity(member=member, activity=activity)
    actions.cancel_activity(actor=organiser, activity=activity, reason="场地维修")
    response = client.get(reverse("events:member_detail", args=[activity.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'id="cancelled"[^>]*>([^<]*)<', html) == ["This activity is cancelled."]
    assert 'id="register"' not in html
    assert 'id="cancel-registration"' not in html
    assert listed(client.get(reverse("events:member_list")).content.decode()) == []


def test_a_signed_in_worker_who_is_not_a_member_is_told_to_join_first(tree, make_activity):
    activity = make_activity(tree.zgc, audience="public")
    worker = User.objects.create_user(mobile="13800138000")
    client = Client(headers=EN)
    client.force_login(worker)
    html = client.get(reverse("events:member_detail", args=[activity.pk])).content.decode()
    assert re.findall(r'id="join-first">([^<]*)<', html) == [
        "Only union members can register: join the union first."
    ]
    response = client.post(reverse("events:member_register", args=[activity.pk]), follow=True)
    assert "Only union members can register: join the union first." in response.content.decode()
    assert Registration.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_sign_in(tree, make_activity):
    activity = make_activity(tree.zgc, audience="public")
    client = Client(headers=EN)
    detail = reverse("events:member_detail", args=[activity.pk])
    html = client.get(detail).content.decode()
    assert f'href="/accounts/login/?next={detail}"' in html
    response = client.post(reverse("events:member_register", args=[activity.pk]))
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={detail}")
    assert client.get(reverse("events:my_activities"))["Location"] == (
        "/accounts/login/?next=/a/mine/"
    )


# --- registering -----------------------------------------------------------------------------


def status_shown(client: Client, activity: Activity) -> str:
    html = client.get(reverse("events:member_detail", args=[activity.pk])).content.decode()
    found = re.findall(r'id="registration-status"[^>]*>([^<]*)<', html)
    return found[0] if found else ""


def test_register_confirms_then_a_full_activity_puts_the_next_on_the_waiting_list(
    tree, make_activity, member_client
):
    activity = make_activity(tree.zgc, capacity=1)
    first, first_client = member_client(tree.zgc)
    second, second_client = member_client(tree.sohu)
    register = reverse("events:member_register", args=[activity.pk])

    response = first_client.post(register, {"places": "1"}, follow=True)
    assert "You are registered." in response.content.decode()
    response = second_client.post(register, {"places": "1"}, follow=True)
    assert "The activity is full: you are on the waiting list." in response.content.decode()

    statuses = dict(Registration.objects.values_list("member_id", "status"))
    assert statuses == {first.pk: "confirmed", second.pk: "waitlisted"}
    assert status_shown(first_client, activity) == "Confirmed"
    assert status_shown(second_client, activity) == "On the waiting list"
    # Twice is refused with the domain's message, and changes nothing.
    response = first_client.post(register, {"places": "1"}, follow=True)
    assert "You are already registered (Confirmed)." in response.content.decode()
    assert Registration.objects.count() == 2


def test_places_above_the_per_person_limit_are_refused(tree, make_activity, member_client):
    activity = make_activity(tree.zgc, capacity=10, per_person_limit=2)
    member, client = member_client(tree.zgc)
    register = reverse("events:member_register", args=[activity.pk])
    response = client.post(register, {"places": "3"}, follow=True)
    assert "You can register for at most 2 places." in response.content.decode()
    response = client.post(register, {"places": "two"}, follow=True)
    assert "You can register for at most 2 places." in response.content.decode()
    client.post(register, {"places": "2"})
    assert list(Registration.objects.values_list("member_id", "places", "status")) == [
        (member.pk, 2, "confirmed")
    ]


def test_cancelling_frees_the_place_and_the_next_person_is_offered_it(
    tree, make_activity, member_client, sms_outbox, django_capture_on_commit_callbacks
):
    activity = make_activity(tree.zgc, capacity=1)
    first, first_client = member_client(tree.zgc)
    second, second_client = member_client(tree.zgc)
    register = reverse("events:member_register", args=[activity.pk])
    first_client.post(register)
    second_client.post(register)

    with django_capture_on_commit_callbacks(execute=True):
        response = first_client.post(
            reverse("events:member_cancel", args=[activity.pk]), follow=True
        )
    assert "Your registration is cancelled." in response.content.decode()
    statuses = dict(Registration.objects.values_list("member_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "offered"}
    assert [message.mobile for message in sms_outbox] == [str(second.mobile)]
    assert status_shown(second_client, activity) == "Place offered: confirm in time"

    response = second_client.post(
        reverse("events:member_confirm_offer", args=[activity.pk]), follow=True
    )
    assert "The place is yours: you are registered." in response.content.decode()
    assert Registration.objects.get(member=second).status == "confirmed"
    assert Checkpoint.objects.get(pk=activity.checkpoint_id).confirmed_places == 1
    # The first one may register again, onto the waiting list.
    first_client.post(register)
    assert Registration.objects.filter(member=first).exclude(status="cancelled").get().status == (
        "waitlisted"
    )


def test_an_expired_offer_cannot_be_confirmed(tree, make_activity, member_client):
    activity = make_activity(tree.zgc, capacity=1)
    first, _first_client = member_client(tree.zgc)
    second, second_client = member_client(tree.zgc)
    held = actions.register_for_activity(member=first, activity=activity)
    waiting = actions.register_for_activity(member=second, activity=activity)
    checkins.cancel_registration(actor=first.user, registration=held)
    Registration.objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = second_client.post(
        reverse("events:member_confirm_offer", args=[activity.pk]), follow=True
    )
    assert "The offer has expired." in response.content.decode()
    assert Registration.objects.get(pk=waiting.pk).status == "offered"


def test_my_activities_lists_own_registrations_with_check_in(tree, make_activity, member_client):
    soon = make_activity(tree.zgc, title="今天的研讨", starts_in=timedelta(minutes=30))
    later = make_activity(tree.zgc, title="下周的演练", starts_in=timedelta(days=7))
    make_activity(tree.zgc, title="没有报名的活动")
    member, client = member_client(tree.zgc)
    actions.register_for_activity(member=member, activity=soon)
    actions.register_for_activity(member=member, activity=later)
    code = checkins.screen_code(soon.checkpoint)
    checkins.check_in_by_screen(member=member, checkpoint=soon.checkpoint, code=code)

    html = client.get(reverse("events:my_activities")).content.decode()
    assert listed(html) == [later.pk, soon.pk]
    assert re.findall(r'<dd class="status">([^<]*)</dd>', html) == ["Confirmed", "Confirmed"]
    assert re.findall(r'<dd class="checkin">([^<]*)</dd>', html) == [
        "Not checked in",
        "Checked in",
    ]


# --- check-in by the rotating code ------------------------------------------------------------


@pytest.fixture
def running(tree, make_activity: Callable[..., Activity]) -> Activity:
    """An activity starting in half an hour: check-in opened half an hour ago."""
    return make_activity(tree.zgc, starts_in=timedelta(minutes=30), capacity=50)


def test_opening_the_check_in_page_checks_nobody_in(running, member_client):
    member, client = member_client(running.org)
    actions.register_for_activity(member=member, activity=running)
    response = client.get(checkin_url(running))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="checkin-button"' in html
    assert running.title in html
    assert CheckIn.objects.count() == 0


def test_the_current_code_checks_in_once_then_says_already(running, member_client):
    member, client = member_client(running.org)
    actions.register_for_activity(member=member, activity=running)
    url = checkin_url(running)

    response = client.post(url, follow=True)
    html = response.content.decode()
    assert answer_code(html) == "checked_in"
    first = CheckIn.objects.get()
    at = timezone.localtime(first.checked_in_at).strftime("%H:%M")
    assert re.findall(r'class="checkin-message">([^<]*)<', html) == [f"Checked in at {at}."]
    assert (first.member_id, first.method) == (member.pk, "screen")

    # The answer is shown once: a reload offers the button again, and pressing it is harmless.
    assert 'id="checkin-button"' in client.get(url).content.decode()
    html = client.post(url, follow=True).content.decode()
    assert answer_code(html) == "already_checked_in"
    assert re.findall(r'class="checkin-message">([^<]*)<', html) == [f"Already checked in at {at}."]
    assert CheckIn.objects.count() == 1
    assert Checkpoint.objects.get(pk=running.checkpoint_id).checked_in == 1


def test_a_code_from_two_minutes_ago_is_refused_as_expired(running, member_client):
    member, client = member_client(running.org)
    actions.register_for_activity(member=member, activity=running)
    url = checkin_url(running, at=timezone.now() - timedelta(minutes=2))
    html = client.post(url, follow=True).content.decode()
    assert answer_code(html) == "code_expired"
    assert re.findall(r'class="checkin-message">([^<]*)<', html) == [
        "This code has expired; scan the screen again."
    ]
    assert CheckIn.objects.count() == 0


def test_the_previous_window_is_still_accepted(running, member_client):
    member, client = member_client(running.org)
    actions.register_for_activity(member=member, activity=running)
    url = checkin_url(running, at=timezone.now() - timedelta(seconds=checkins.ROTATION_SECONDS))
    assert answer_code(client.post(url, follow=True).content.decode()) == "checked_in"


def test_check_in_refusals(running, tree, member_client, make_activity):
    _member, client = member_client(running.org)
    url = checkin_url(running)
    # Not registered: refused, nothing stored.
    assert answer_code(client.post(url, follow=True).content.decode()) == "not_registered"
    # A forged signature and a made-up code.
    forged = checkins.screen_code(running.checkpoint)[:-2] + "AA"
    forged_url = reverse("events:member_checkin", kwargs={"code": forged})
    assert answer_code(client.post(forged_url, follow=True).content.decode()) == "code_invalid"
    response = client.get(reverse("events:member_checkin", kwargs={"code": "hello"}))
    assert (response.status_code, answer_code(response.content.decode())) == (400, "code_invalid")
    # Another subtree's activity is not found, whatever the code says.
    elsewhere = make_activity(tree.hlg, starts_in=timedelta(minutes=10))
    assert client.get(checkin_url(elsewhere)).status_code == 404
    assert CheckIn.objects.count() == 0


def test_check_in_needs_a_signed_in_member(running, tree):
    url = checkin_url(running)
    response = Client(headers=EN).get(url)
    assert (response.status_code, response["Location"]) == (
        302,
        f"/accounts/login/?next={url}",
    )
    worker = User.objects.create_user(mobile="13800138000")
    client = Client(headers=EN)
    client.force_login(worker)
    response = client.post(url, follow=True)
    assert (response.status_code, answer_code(response.content.decode())) == (403, "not_a_member")
    assert CheckIn.objects.count() == 0


def test_a_cancelled_activity_takes_no_check_ins(running, member_client, organiser):
    member, client = member_client(running.org)
    actions.register_for_activity(member=member, activity=running)
    url = checkin_url(running)
    actions.cancel_activity(actor=organiser, activity=running, reason="暴雨")
    html = client.get(url).content.decode()
    assert answer_code(html) == "activity_cancelled"
    assert 'id="checkin-button"' not in html
    assert answer_code(client.post(url, follow=True).content.decode()) == "activity_cancelled"
    assert CheckIn.objects.count() == 0


# --- photos ----------------------------------------------------------------------------------


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue())


def test_a_photo_is_served_to_the_audience_only(
    tree, make_activity, member_client, organiser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity(tree.zgc)
    photo = actions.add_photo(actor=organiser, activity=activity, upload=jpeg(), use="description")
    url = reverse("events:photo", args=[activity.pk, photo.pk])
    _inside, inside = member_client(tree.sohu)
    _outside, outside = member_client(tree.hlg)

    response = inside.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    photo.image.open("rb")
    assert b"".join(response.streaming_content) == photo.image.read()
    photo.image.close()
    assert outside.get(url).status_code == 404
    assert Client().get(url).status_code == 404
    assert inside.get(reverse("events:photo", args=[activity.pk, photo.pk + 1])).status_code == 404
