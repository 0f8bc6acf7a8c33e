import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from gonghui.checkins import actions as checkins
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.checkins.scan_answers import ScanAnswer
from gonghui.checkins.tests.qr_images import photo_of, qr_png
from gonghui.core.models import AuditEntry
from gonghui.events import actions, staff_views
from gonghui.events.models import Activity, ActivityPhoto
from gonghui.members import actions as member_actions
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.members.tests.factories import person

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **EN}


def make_member(org, operator, **overrides) -> Member:
    return member_actions.import_member(
        actor=operator, org=org, joined_on=timezone.localdate(), **person(**overrides)
    )


def card_of(member: Member) -> str:
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


def make_activity(
    organiser, org, *, title="五小成果展示", starts_in=timedelta(minutes=-30), **fields
):
    start = timezone.now() + starts_in
    values = {
        "category": "showcase",
        "description": "展示五小成果",
        "audience": "subtree",
        "audience_org": None,
        "place": "保修分公司一厂",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "publish": True,
    }
    values.update(fields)
    return actions.create_activity(actor=organiser, org=org, title=title, **values)


@pytest.fixture
def clerk(tree, make_staff):
    return make_staff(tree.zgc, "operator")


@pytest.fixture
def activity(clerk, tree):
    return make_activity(clerk, tree.zgc)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


# --- scope ---------------------------------------------------------------------------------


def test_a_sibling_streets_staff_see_nothing_and_get_404(tree, make_staff, client_for):
    hlg_clerk = make_staff(tree.hlg, "operator")
    activity = make_activity(hlg_clerk, tree.hlg, title="回龙观安康杯活动")
    outsider = client_for(make_staff(tree.desheng))

    listing = outsider.get(reverse("events:staff_list"), headers=EN)
    assert listing.status_code == 200
    assert "回龙观安康杯活动" not in listing.content.decode()
    assert listing.context["page"].paginator.count == 0
    urls = [
        reverse(f"events:{name}", kwargs={"activity_id": activity.pk})
        for name in (
            "staff_detail",
            "staff_edit",
            "staff_counts",
            "attendance_xlsx",
            "registrations",
            "report",
            "screen",
            "screen_code",
            "desk",
            "batch",
        )
    ]
    assert [outsider.get(url).status_code for url in urls] == [404] * len(urls)
    posts = [
        reverse(f"events:{name}", kwargs={"activity_id": activity.pk})
        for name in ("staff_publish", "staff_cancel", "scan", "batch_upload")
    ]
    assert [outsider.post(url).status_code for url in posts] == [404] * len(posts)
    assert outsider.get(f"{reverse('events:staff_list')}?org={tree.hlg.pk}").status_code == 404

    own = client_for(hlg_clerk).get(reverse("events:staff_list"), headers=EN)
    assert [a.title for a in own.context["page"]] == ["回龙观安康杯活动"]
    assert client_for(hlg_clerk).get(urls[0]).status_code == 200


def test_members_and_viewers_are_not_let_in(tree, make_staff, client_for, activity):
    viewer = client_for(make_staff(tree.zgc, "viewer"))
    assert viewer.get(reverse("events:staff_detail", args=[activity.pk])).status_code == 404
    assert viewer.get(reverse("events:desk", args=[activity.pk])).status_code == 404
    anonymous = Client().get(reverse("events:staff_list"))
    assert anonymous.status_code == 302


# --- list, create, edit ---------------------------------------------------------------------


def test_list_filters_and_figures_by_category(tree, clerk, client_for, operator):
    seminar = make_activity(clerk, tree.zgc, title="工匠精神研讨会", category="seminar")
    make_activity(clerk, tree.zgc, title="消防演练", category="drill")
    make_activity(
        clerk, tree.zgc, title="去年的演练", category="drill", starts_in=timedelta(days=-400)
    )
    make_activity(clerk, tree.zgc, title="草稿", category="drill", publish=False)
    member = make_member(tree.zgc, operator)
    actions.register_for_activity(member=member, activity=seminar)
    client = client_for(clerk)

    page = client.get(reverse("events:staff_list"), {"category": "drill"}, headers=EN)
    assert [a.title for a in page.context["page"]] == ["草稿", "消防演练", "去年的演练"]
    page = client.get(reverse("events:staff_list"), {"q": "工匠"}, headers=EN)
    assert [a.title for a in page.context["page"]] == ["工匠精神研讨会"]

    today = timezone.localdate()
    since = (today - timedelta(days=30)).isoformat()
    page = client.get(reverse("events:staff_list"), {"date_from": since}, headers=EN)
    assert sorted(a.title for a in page.context["page"]) == ["工匠精神研讨会", "消防演练", "草稿"]
    figures = [
        (label, f.activities, f.registered, f.checked_in) for label, f in page.context["figures"]
    ]
    assert figures == [("Drill", 1, 0, 0), ("Seminar", 1, 1, 0)]

    # htmx asks for the results region only.
    partial = client.get(
        reverse("events:staff_list"),
        {"date_from": "not-a-date"},
        headers={**HTMX, "HX-Target": "results"},
    )
    assert partial.content.decode().lstrip().startswith('<div id="results">')
    assert partial.context["page"].paginator.count == 4


def test_list_page_costs_the_same_for_one_and_three_activities(tree, clerk, client_for):
    def queries_for_list() -> int:
        client = client_for(clerk)
        client.get(reverse("events:staff_list"))  # warm the session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("events:staff_list"))
        assert response.status_code == 200
        return len(captured)

    make_activity(clerk, tree.zgc, title="一")
    one = queries_for_list()
    make_activity(clerk, tree.zgc, title="二", category="drill")
    make_activity(clerk, tree.zgc, title="三", category="seminar")
    assert queries_for_list() == one


def form_data(org, **overrides):
    start = timezone.localtime() + timedelta(days=7)
    data = {
        "org": org.pk,
        "title": "安康杯知识竞赛",
        "category": "contest",
        "description": "门头沟区安康杯",
        "audience": "subtree",
        "audience_org": "",
        "place": "门头沟区职工之家",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "registration_opens_at": "",
        "registration_closes_at": "",
        "capacity": "100",
        "per_person_limit": "1",
    }
    data.update(overrides)
    return data


def test_create_with_the_end_before_the_start_shows_a_field_error_and_keeps_nothing(
    tree, clerk, client_for
):
    start = timezone.localtime() + timedelta(days=7)
    response = client_for(clerk).post(
        reverse("events:staff_create"),
        form_data(tree.zgc, ends_at=(start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")),
        headers=EN,
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "ends_at": ["The activity must end after it starts."]
    }
    assert (Activity.objects.count(), Checkpoint.objects.count()) == (0, 0)


def test_create_publishes_with_photos_and_the_settings_of_its_checkpoint(tree, clerk, client_for):
    data = form_data(tree.zgc, capacity="", allows_walk_ins="on", approval_required="on")
    data["per_person_limit"] = "2"
    data["photos"] = [
        io.BytesIO(jpeg()),
    ]
    data["photos"][0].name = "poster.jpg"
    data["publish"] = "1"
    response = client_for(clerk).post(reverse("events:staff_create"), data, headers=EN)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:staff_detail", args=[activity.pk])
    assert (activity.status, activity.title, activity.audience_org_id) == (
        "published",
        "安康杯知识竞赛",
        tree.zgc.pk,
    )
    checkpoint = activity.checkpoint
    assert (
        checkpoint.capacity,
        checkpoint.per_person_limit,
        checkpoint.allows_walk_ins,
        checkpoint.approval_required,
    ) == (None, 2, True, True)
    assert checkpoint.opens_at == activity.starts_at - timedelta(hours=1)
    photo = ActivityPhoto.objects.get()
    assert (photo.use, photo.width, photo.height) == ("description", 40, 30)
    shown = client_for(clerk).get(reverse("events:staff_photo", args=[photo.pk]))
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/jpeg")


def test_a_refused_photo_leaves_no_activity(tree, clerk, client_for):
    data = form_data(tree.zgc)
    data["photos"] = io.BytesIO(b"GIF89a not a photo")
    data["photos"].name = "x.jpg"
    response = client_for(clerk).post(reverse("events:staff_create"), data, headers=EN)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["photos"]
    assert (Activity.objects.count(), Checkpoint.objects.count()) == (0, 0)


def test_organiser_outside_the_scope_is_a_404(tree, clerk, client_for):
    response = client_for(clerk).post(reverse("events:staff_create"), form_data(tree.hlg))
    assert response.status_code == 404
    assert Activity.objects.count() == 0


def test_edit_saves_refuses_a_stale_form_and_a_capacity_below_the_taken_places(
    tree, clerk, client_for, operator, english
):
    activity = make_activity(clerk, tree.zgc, capacity=2)
    members = [make_member(tree.zgc, operator) for _ in range(3)]
    for member in members:
        actions.register_for_activity(member=member, activity=activity)
    client = client_for(clerk)
    url = reverse("events:staff_edit", args=[activity.pk])
    page = client.get(url, headers=EN)
    initial = page.context["form"].initial
    assert (initial["capacity"], initial["version"]) == (2, 1)
    assert 'value="' + timezone.localtime(activity.starts_at).strftime("%Y-%m-%dT%H:%M") + '"' in (
        page.content.decode()
    )

    data = form_data(tree.zgc, title="五小成果展示（改）", capacity="1", version="1")
    data["starts_at"] = timezone.localtime(activity.starts_at).strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = timezone.localtime(activity.ends_at).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(url, data, headers=EN)
    assert refused.context["form"].errors == {
        "capacity": ["2 places are already taken; the capacity cannot be lower."]
    }

    data["capacity"] = "3"
    saved = client.post(url, data, headers=EN)
    assert saved.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.version, activity.checkpoint.capacity) == (
        "五小成果展示（改）",
        2,
        3,
    )
    # The freed place went to the first on the waiting list.
    assert Registration.objects.get(member=members[2]).status == "offered"
    entry = AuditEntry.objects.get(action="events.activity.updated")
    assert entry.changes["title"] == ["五小成果展示", "五小成果展示（改）"]
    assert entry.changes["capacity"] == [2, 3]

    stale = client.post(url, data, headers=EN)
    assert stale.status_code == 200
    assert stale.context["form"].non_field_errors() == [
        "Someone else changed this activity meanwhile; reload it and try again."
    ]


def test_publish_and_cancel(
    tree, clerk, client_for, operator, sms_outbox, django_capture_on_commit_callbacks
):
    activity = make_activity(clerk, tree.zgc, publish=False)
    client = client_for(clerk)
    assert client.post(reverse("events:staff_publish", args=[activity.pk])).status_code == 302
    activity.refresh_from_db()
    assert activity.status == "published"
    member = make_member(tree.zgc, operator)
    actions.register_for_activity(member=member, activity=activity)

    empty = client.post(
        reverse("events:staff_cancel", args=[activity.pk]), {"reason": " "}, headers=EN
    )
    assert empty.status_code == 400
    assert list(empty.context["cancel_form"].errors) == ["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("events:staff_cancel", args=[activity.pk]), {"reason": "暴雨"})
    assert done.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "cancelled"
    assert [m.mobile for m in sms_outbox] == [str(member.mobile)]


# --- detail, counts, attendance, export ------------------------------------------------------


def test_detail_shows_live_counts(tree, clerk, client_for, operator, activity):
    members = [make_member(tree.zgc, operator) for _ in range(3)]
    for member in members[:2]:
        actions.register_for_activity(member=member, activity=activity)
    checkins.check_in_by_card(
        actor=clerk, checkpoint=activity.checkpoint, card_code=card_of(members[0])
    )
    Checkpoint.objects.filter(pk=activity.checkpoint_id).update(allows_walk_ins=True)
    activity.checkpoint.refresh_from_db()
    checkins.check_in_by_card(
        actor=clerk, checkpoint=activity.checkpoint, card_code=card_of(members[2])
    )
    counts = client_for(clerk).get(reverse("events:staff_counts", args=[activity.pk]), headers=HTMX)
    assert counts.status_code == 200
    html = counts.content.decode()
    assert html.lstrip().startswith('<section id="counts"')
    assert 'hx-trigger="every 5s"' in html
    c = counts.context["counts"]
    assert (c.registered, c.checked_in, c.walk_ins, c.no_shows, c.waitlisted, c.pending) == (
        2,
        2,
        1,
        1,
        0,
        0,
    )
    assert counts["Cache-Control"].startswith("max-age=0")


def test_attendance_list_costs_the_same_for_one_and_three_check_ins(
    tree, clerk, client_for, operator, activity
):
    Checkpoint.objects.filter(pk=activity.checkpoint_id).update(allows_walk_ins=True)
    activity.refresh_from_db()
    client = client_for(clerk)
    url = reverse("events:staff_detail", args=[activity.pk])

    def queries_for_detail() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    def check_in_someone() -> None:
        member = make_member(tree.zgc, operator)
        checkins.check_in_by_card(
            actor=clerk, checkpoint=activity.checkpoint, card_code=card_of(member)
        )

    check_in_someone()
    one = queries_for_detail()
    check_in_someone()
    check_in_someone()
    assert queries_for_detail() == one
    response = client.get(url)
    assert response.context["page"].paginator.count == 3


def test_attendance_export_is_a_real_xlsx_with_masked_names(
    tree, clerk, client_for, operator, activity
):
    Checkpoint.objects.filter(pk=activity.checkpoint_id).update(allows_walk_ins=True)
    activity.refresh_from_db()
    registered = make_member(tree.zgc, operator, name="张三丰")
    walker = make_member(tree.sohu, operator, name="王五")
    # A name that starts like a formula is refused now; one stored before is still escaped.
    Member.objects.filter(pk=walker.pk).update(name="=SUM(1)")
    walker.refresh_from_db()
    actions.register_for_activity(member=registered, activity=activity)
    first = checkins.check_in_by_card(
        actor=clerk, checkpoint=activity.checkpoint, card_code=card_of(registered)
    )
    second = checkins.check_in_by_card(
        actor=clerk, checkpoint=activity.checkpoint, card_code=card_of(walker)
    )
    response = client_for(clerk).get(
        reverse("events:attendance_xlsx", args=[activity.pk]), headers=EN
    )
    assert response.status_code == 200
    assert response["Content-Type"] == staff_views.XLSX
    assert (
        response["Content-Disposition"] == f'attachment; filename="attendance-{activity.pk}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    local = [
        timezone.localtime(CheckIn.objects.get(member=m).checked_in_at)
        for m in (registered, walker)
    ]
    assert rows == [
        ["Member number", "Full name", "Union", "Checked in at", "Method", "Walk-in"],
        [
            registered.number,
            "张*丰",
            tree.zgc.name,
            local[0].strftime("%Y-%m-%d %H:%M:%S"),
            "Member card scanned by staff",
            "no",
        ],
        [
            walker.number,
            "'=*****)",
            tree.sohu.name,
            local[1].strftime("%Y-%m-%d %H:%M:%S"),
            "Member card scanned by staff",
            "yes",
        ],
    ]
    assert (first.code, second.walk_in) == ("checked_in", True)
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row)


# --- registrations ---------------------------------------------------------------------------


def test_pending_registrations_are_approved_or_rejected_and_live_ones_cancelled(
    tree, clerk, client_for, operator
):
    activity = make_activity(clerk, tree.zgc, approval_required=True, capacity=1)
    a, b, c = (make_member(tree.zgc, operator) for _ in range(3))
    ra, rb, rc = (actions.register_for_activity(member=m, activity=activity) for m in (a, b, c))
    client = client_for(clerk)
    page = client.get(
        reverse("events:registrations", args=[activity.pk]), {"status": "pending"}, headers=EN
    )
    assert [r.pk for r in page.context["page"]] == [ra.pk, rb.pk, rc.pk]
    html = page.content.decode()
    assert [(m.name[0] + "*" + m.name[-1]) in html for m in (a, b, c)] == [True] * 3
    assert [m.name in html for m in (a, b, c)] == [False] * 3

    def decide(registration, decision):
        return client.post(
            reverse("events:registration_decide", args=[activity.pk, registration.pk]),
            {"decision": decision, "status": "pending"},
        )

    response = decide(ra, "approve")
    assert (
        response["Location"]
        == reverse("events:registrations", args=[activity.pk]) + "?status=pending"
    )
    decide(rb, "approve")
    decide(rc, "reject")
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert (statuses[ra.pk], statuses[rb.pk], statuses[rc.pk]) == (
        "confirmed",
        "waitlisted",
        "rejected",
    )
    client.post(reverse("events:registration_cancel", args=[activity.pk, ra.pk]))
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert (statuses[ra.pk], statuses[rb.pk]) == ("cancelled", "offered")

    other = make_activity(clerk, tree.zgc, title="另一个活动")
    assert (
        client.post(reverse("events:registration_cancel", args=[other.pk, rb.pk])).status_code
        == 404
    )


# --- report ----------------------------------------------------------------------------------


def test_the_report_is_published_with_photos(tree, clerk, client_for, activity):
    photo = io.BytesIO(jpeg())
    photo.name = "现场.jpg"
    response = client_for(clerk).post(
        reverse("events:report", args=[activity.pk]),
        {"text": "  一百名职工参加了展示。 ", "photos": [photo], "caption": "现场"},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.report == "一百名职工参加了展示。"
    assert activity.report_published_at is not None
    assert list(ActivityPhoto.objects.values_list("use", "caption")) == [("report", "现场")]
    detail = client_for(clerk).get(reverse("events:staff_detail", args=[activity.pk]))
    assert "一百名职工参加了展示。" in detail.content.decode()
    assert [p.caption for p in detail.context["report_photos"]] == ["现场"]


def test_no_report_before_the_start(tree, clerk, client_for):
    activity = make_activity(clerk, tree.zgc, starts_in=timedelta(days=2))
    response = client_for(clerk).post(
        reverse("events:report", args=[activity.pk]), {"text": "好"}, headers=EN
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A report comes after the activity has started."
    ]


# --- the big screen --------------------------------------------------------------------------


def test_the_screen_shows_a_qr_of_the_member_check_in_url_with_the_current_code(
    tree, clerk, client_for, activity
):
    client = client_for(clerk)
    before = checkins.screen_code(activity.checkpoint)
    response = client.get(reverse("events:screen", args=[activity.pk]), headers=EN)
    after = checkins.screen_code(activity.checkpoint)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["code"] in {before, after}
    assert f'data-code="{response.context["code"]}"' in html
    assert response.context["url"] == "http://testserver" + staff_views.member_checkin_path(
        response.context["code"]
    )
    assert response.context["url"].endswith(f"/a/checkin/{response.context['code']}/")
    assert html.count("<svg") == 1
    assert 'hx-trigger="every 10s"' in html
    assert "max-age=0" in response["Cache-Control"]

    region = client.get(reverse("events:screen_code", args=[activity.pk]), headers=HTMX)
    assert region.content.decode().lstrip().startswith('<section id="screen-code"')
    assert "<svg" in region.content.decode()


def test_the_screen_of_a_cancelled_activity_shows_no_code(tree, clerk, client_for, activity):
    actions.cancel_activity(actor=clerk, activity=activity, reason="暴雨")
    response = client_for(clerk).get(reverse("events:screen", args=[activity.pk]), headers=EN)
    assert "<svg" not in response.content.decode()
    assert "This activity is cancelled." in response.content.decode()


# --- the card-scan desk ----------------------------------------------------------------------


def test_desk_scans_answer_with_the_right_codes(tree, clerk, client_for, operator, activity):
    registered = make_member(tree.zgc, operator, name="李四")
    stranger = make_member(tree.zgc, operator)
    actions.register_for_activity(member=registered, activity=activity)
    client = client_for(clerk)
    url = reverse("events:scan", args=[activity.pk])

    def scan(code: str):
        return client.post(url, {"card_code": code}, headers=HTMX)

    ok = scan(card_of(registered))
    assert ok.context["result"]["code"] == "checked_in"
    assert ok.context["result"]["tone"] == "ok"
    html = ok.content.decode()
    assert 'id="scan-result" class="scan-answer ok"' in html
    icon = '<span class="scan-answer-icon" aria-hidden="true">✓</span>'
    assert f'<p class="scan-answer-title" id="scan-title">{icon} Checked in</p>' in html
    assert ["Checked in." in html, "李*" in html, registered.number in html] == [True] * 3
    assert 'id="recent-scans" class="recent-scans" hx-swap-oob="true"' in html

    first = timezone.localtime(CheckIn.objects.get(member=registered).checked_in_at)
    again = scan(card_of(registered))
    assert (again.context["result"]["code"], again.context["result"]["tone"]) == (
        "already_checked_in",
        "bad",
    )
    # An already-used card is a refusal like any other: red, an alert, the first time in full.
    assert again.context["answer"] == ScanAnswer(
        tone="bad",
        title="Already checked in",
        message=f"Already checked in at {first:%H:%M}.",
        code="already_checked_in",
        who=f"李* · {registered.number}",
        first_at=f"{first:%Y-%m-%d %H:%M}",
    )
    again_html = again.content.decode()
    assert 'class="scan-answer bad"' in again_html
    assert 'role="alert"' in again_html
    assert f'id="scan-first">First scanned: {first:%Y-%m-%d %H:%M}</p>' in again_html
    assert again.context["result"]["checked_in_at"] == first.isoformat()

    assert scan(card_of(stranger)).context["result"]["code"] == "not_registered"
    revoked = card_of(stranger)
    member_actions.revoke_card(actor=operator, member=stranger, reason="手机丢失")
    assert scan(revoked).context["result"]["code"] == "card_revoked"
    assert scan("GH1.forged.code").context["result"]["code"] == "card_invalid"
    assert CheckIn.objects.count() == 1

    # The running list keeps the newest first, and works without JavaScript too.
    page = client.get(reverse("events:desk", args=[activity.pk]), headers=EN)
    assert [r["code"] for r in page.context["recent"]] == [
        "card_invalid",
        "card_revoked",
        "not_registered",
        "already_checked_in",
        "checked_in",
    ]
    plain = client.post(url, {"card_code": ""}, headers=EN)
    assert plain.status_code == 200
    assert plain.templates[0].name == "events/staff_desk.html"
    assert plain.context["result"]["message"] == "Scan a member card."


def test_the_desk_keeps_only_the_last_twenty(tree, clerk, client_for, activity):
    client = client_for(clerk)
    for _ in range(25):
        client.post(reverse("events:scan", args=[activity.pk]), {"card_code": "nonsense"})
    page = client.get(reverse("events:desk", args=[activity.pk]))
    assert len(page.context["recent"]) == 20


def test_a_cancelled_activity_checks_nobody_in(tree, clerk, client_for, operator, activity):
    member = make_member(tree.zgc, operator)
    actions.register_for_activity(member=member, activity=activity)
    actions.cancel_activity(actor=clerk, activity=activity, reason="暴雨")
    response = client_for(clerk).post(
        reverse("events:scan", args=[activity.pk]), {"card_code": card_of(member)}, headers=HTMX
    )
    assert response.context["result"]["code"] == "activity_cancelled"
    assert CheckIn.objects.count() == 0


# --- offline batches -------------------------------------------------------------------------


def test_a_batch_sent_twice_gives_the_same_answers_and_one_check_in_each(
    tree, clerk, client_for, operator, activity
):
    members = [make_member(tree.zgc, operator) for _ in range(2)]
    for member in members:
        actions.register_for_activity(member=member, activity=activity)
    stranger = make_member(tree.zgc, operator)
    scanned = (timezone.now() - timedelta(minutes=3)).isoformat()
    body = json.dumps(
        {
            "device": "desk-tablet-1",
            "items": [
                {"nonce": "a1", "card_code": card_of(members[0]), "scanned_at": scanned},
                {"nonce": "a2", "card_code": card_of(members[1]), "scanned_at": scanned},
                {"nonce": "a3", "card_code": card_of(members[0]), "scanned_at": scanned},
                {"nonce": "a4", "card_code": card_of(stranger), "scanned_at": scanned},
            ],
        }
    )
    client = client_for(clerk)
    url = reverse("events:batch_upload", args=[activity.pk])
    first = client.post(url, body, content_type="application/json", headers=EN)
    second = client.post(url, body, content_type="application/json", headers=EN)
    assert (first.status_code, second.status_code) == (200, 200)
    answers = first.json()["results"]
    assert [(a["nonce"], a["code"]) for a in answers] == [
        ("a1", "checked_in"),
        ("a2", "checked_in"),
        ("a3", "already_checked_in"),
        ("a4", "not_registered"),
    ]
    replayed = second.json()["results"]
    assert [a["replayed"] for a in replayed] == [True] * 4
    strip = lambda rows: [{k: v for k, v in a.items() if k != "replayed"} for a in rows]  # noqa: E731
    assert strip(replayed) == strip(answers)
    assert sorted(CheckIn.objects.values_list("member_id", flat=True)) == sorted(
        m.pk for m in members
    )
    activity.checkpoint.refresh_from_db()
    assert activity.checkpoint.checked_in == 2
    assert set(CheckIn.objects.values_list("method", flat=True)) == {"batch"}


def test_the_batch_endpoint_refuses_bad_input_and_missing_csrf(
    tree, clerk, client_for, signed_in, activity
):
    client = client_for(clerk)
    url = reverse("events:batch_upload", args=[activity.pk])
    bad = client.post(url, "not json", content_type="application/json", headers=EN)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_json")
    naive = json.dumps(
        {
            "device": "d",
            "items": [{"nonce": "n", "card_code": "c", "scanned_at": "2026-01-01T10:00"}],
        }
    )
    refused = client.post(url, naive, content_type="application/json", headers=EN)
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_time")
    no_device = json.dumps({"device": "", "items": []})
    assert (
        client.post(url, no_device, content_type="application/json").json()["code"]
        == "invalid_device"
    )

    strict = signed_in(Client(enforce_csrf_checks=True), clerk)
    assert (
        strict.post(
            url, json.dumps({"device": "d", "items": []}), content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(reverse("events:batch", args=[activity.pk])).status_code == 200


# --- the desk's photo fallback ---------------------------------------------------------------


def photo(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_photo_of_a_card_checks_in_like_the_typed_code(
    tree, clerk, client_for, operator, activity
):
    member = make_member(tree.zgc, operator, name="李四")
    actions.register_for_activity(member=member, activity=activity)
    client = client_for(clerk)  # Chinese, as the desks are
    photo_url = reverse("events:scan_photo", args=[activity.pk])

    taken = client.post(photo_url, {"photo": photo(photo_of(card_of(member), angle=20))})
    assert taken.status_code == 200
    assert taken.templates[0].name == "events/staff_desk.html"  # a whole page: no JS needed
    assert taken.context["answer"] == ScanAnswer(
        tone="ok",
        title="已签到",
        message="签到成功。",
        code="checked_in",
        who=f"李* · {member.number}",
    )
    assert CheckIn.objects.filter(member=member).count() == 1

    # The second time, typed or photographed, the answers are the same refusal.
    first = timezone.localtime(CheckIn.objects.get(member=member).checked_in_at)
    typed = client.post(reverse("events:scan", args=[activity.pk]), {"card_code": card_of(member)})
    again = client.post(photo_url, {"photo": photo(qr_png(card_of(member)), "card.png")})
    assert (
        typed.context["answer"]
        == again.context["answer"]
        == ScanAnswer(
            tone="bad",
            title="已签到过",
            message=f"已于 {first:%H:%M} 签到。",
            code="already_checked_in",
            who=f"李* · {member.number}",
            first_at=f"{first:%Y-%m-%d %H:%M}",
        )
    )
    html = again.content.decode()
    assert f'id="scan-first">首次扫码：{first:%Y-%m-%d %H:%M}</p>' in html
    assert [r["code"] for r in again.context["recent"]] == [
        "already_checked_in",
        "already_checked_in",
        "checked_in",
    ]


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"not a picture", "not_an_image", "这个文件不是照片：请拍一张二维码的照片。"),
        (
            jpeg(),
            "no_code",
            "照片里没有找到二维码。请把手机靠近一些，让二维码清晰、平整，再拍一次。",
        ),
    ],
)
def test_an_unreadable_photo_is_a_red_answer_and_checks_nobody_in(
    tree, clerk, client_for, activity, data, code, message
):
    response = client_for(clerk).post(
        reverse("events:scan_photo", args=[activity.pk]), {"photo": photo(data)}
    )
    assert response.status_code == 400
    assert response.context["answer"] == ScanAnswer(
        tone="bad", title="未签到", message=message, code=code
    )
    assert 'role="alert"' in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_photos_at_the_desk_are_rate_limited(tree, clerk, client_for, activity, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "scan.photo": (1, 60)}
    client = client_for(clerk)
    url = reverse("events:scan_photo", args=[activity.pk])
    assert client.post(url, {"photo": photo(jpeg())}).status_code == 400
    limited = client.post(url, {"photo": photo(jpeg())})
    assert limited.status_code == 429
    assert limited.context["answer"].message == "短时间内上传的照片过多。请 1 分钟后再试。"


def test_a_sibling_streets_staff_cannot_use_the_photo_desk(tree, make_staff, client_for, activity):
    hlg_clerk = make_staff(tree.hlg, "operator")
    response = client_for(hlg_clerk).post(
        reverse("events:scan_photo", args=[activity.pk]), {"photo": photo(jpeg())}
    )
    assert response.status_code == 404
