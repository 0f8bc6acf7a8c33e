"""The member app never dead-ends: the bottom navigation, /me/'s links, the way in for
non-members (home, card, members-only pages), joining online without an event, the sign-in
after a signed-out scan, the empty activity list, date ranges and the member colours' contrast.

Pages are asked for in Simplified Chinese (the default), as members' phones do."""

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.benefits import claiming
from gonghui.benefits.tests.factories import make_member, make_offer, make_provider, make_service
from gonghui.enterprises.models import Enterprise
from gonghui.events import actions as event_actions
from gonghui.members import actions
from gonghui.members.models import Application, Member
from gonghui.members.tests.factories import person
from gonghui.stations.actions import StationDetails, create_station
from gonghui.stations.codes import poster_code
from gonghui.web.templatetags.member_app import date_range

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[1] / "static" / "gonghui"
MEMBER_CSS = STATIC / "member.css"
APP_CSS = STATIC / "app.css"
NAV = [
    ("card", "/me/card/", "会员卡"),
    ("activities", "/a/", "活动"),
    ("services", "/services/", "服务项目"),
    ("stations", "/stations/", "驿站"),
    ("me", "/me/", "我的"),
]
MEMBERS_ONLY_ZH = (
    "此内容仅面向工会会员。加入工会即可参与：在线申请，"
    "工会工作人员审核通过后，电子会员卡即可在手机上查看。"
)


def nav_of(html: str) -> list[tuple[str, str, str, bool]]:
    nav = re.search(r'<nav class="member-nav".*?</nav>', html, re.S)
    assert nav, "no bottom navigation"
    return [
        (key, href, label, bool(current))
        for key, href, current, label in re.findall(
            r'<a class="member-nav-(\w+)" href="([^"]+)"( aria-current="page")?>([^<]+)</a>',
            nav.group(0),
        )
    ]


def expected_nav(current: str) -> list[tuple[str, str, str, bool]]:
    return [(key, href, label, key == current) for key, href, label in NAV]


def ids_in(html: str, *ids: str) -> dict[str, str]:
    """The href of each element id (or "" when the element is not a link, None when absent)."""
    found: dict[str, Any] = {}
    for element_id in ids:
        match = re.search(rf'<a [^>]*id="{element_id}"[^>]*href="([^"]*)"', html) or re.search(
            rf'<a [^>]*href="([^"]*)"[^>]*id="{element_id}"', html
        )
        found[element_id] = match.group(1) if match else None
    return found


@pytest.fixture
def worker(db) -> tuple[User, Client]:
    """A signed-in worker account that is not a union member."""
    user = User.objects.create_user(mobile="13700001111")
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def member(tree, operator) -> tuple[Member, Client]:
    member = make_member(operator, tree.hlg, user=True)
    client = Client()
    assert member.user is not None
    client.force_login(member.user)
    return member, client


# --- the bottom navigation and /me/ ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", ""),
        ("/a/", "activities"),
        ("/services/", "services"),
        ("/stations/", "stations"),
        ("/me/", "me"),
        ("/me/card/", "card"),
        ("/me/wallet/", "services"),
        ("/me/data/", "me"),
    ],
)
def test_every_member_page_has_the_bottom_navigation_with_its_section_current(
    tree, member, path, current
):
    _member, client = member
    response = client.get(path)
    assert response.status_code == 200
    assert nav_of(response.content.decode()) == expected_nav(current)


def test_a_signed_out_visitor_has_the_navigation_too(tree):
    html = Client().get("/a/").content.decode()
    assert nav_of(html) == expected_nav("activities")
    assert 'aria-label="会员服务"' in html


def test_me_links_a_member_to_everything_they_have(tree, member):
    _member, client = member
    html = client.get("/me/").content.decode()
    assert ids_in(
        html,
        "my-card",
        "my-activities",
        "my-wallet",
        "my-services",
        "my-stations",
        "my-transfer",
        "my-data",
        "join-link",
    ) == {
        "my-card": "/me/card/",
        "my-activities": "/a/mine/",
        "my-wallet": "/me/wallet/",
        "my-services": "/services/",
        "my-stations": "/stations/",
        "my-transfer": "/me/transfer/",
        "my-data": "/me/data/",
        "join-link": None,
    }
    assert '<button class="button secondary block" id="sign-out">退出登录</button>' in html


def test_me_offers_a_non_member_the_way_in_and_what_needs_no_membership(worker):
    _user, client = worker
    html = client.get("/me/").content.decode()
    assert ids_in(html, "join-link", "my-card", "my-wallet", "my-services", "my-data") == {
        "join-link": "/join/",
        "my-card": None,
        "my-wallet": None,
        "my-services": "/services/",
        "my-data": "/me/data/",
    }
    assert "<h2>还不是工会会员？</h2>" in html


# --- the way in ------------------------------------------------------------------------------


def test_the_home_page_offers_joining_to_visitors_and_non_members_only(tree, worker, member):
    assert ids_in(Client().get("/").content.decode(), "join-link") == {"join-link": "/join/"}
    assert ids_in(worker[1].get("/").content.decode(), "join-link") == {"join-link": "/join/"}
    assert ids_in(member[1].get("/").content.decode(), "join-link") == {"join-link": None}


def test_a_non_members_card_page_offers_joining(worker):
    html = worker[1].get("/me/card/").content.decode()
    assert ids_in(html, "join-link") == {"join-link": "/join/"}
    assert "加入工会</a>" in html


@pytest.fixture
def members_activity(tree, operator):
    start = timezone.now() + timedelta(days=3)
    return event_actions.create_activity(
        actor=operator,
        org=tree.zgc,
        title="会员观影",
        category="seminar",
        description="观影",
        audience="members",
        audience_org=None,
        place="中关村影院",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        publish=True,
    )


def test_a_non_member_opening_a_members_only_activity_is_told_and_shown_the_way_in(
    members_activity, worker, member
):
    response = worker[1].get(f"/a/{members_activity.pk}/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>仅限工会会员</h1>" in html
    assert MEMBERS_ONLY_ZH in html
    assert ids_in(html, "join-link", "sign-in-link") == {
        "join-link": "/join/",
        "sign-in-link": None,
    }
    assert "该页面不存在" not in html
    # Signed out: the same, with the sign-in that comes back here for members.
    anonymous = Client().get(f"/a/{members_activity.pk}/")
    assert anonymous.status_code == 403
    assert ids_in(anonymous.content.decode(), "sign-in-link") == {
        "sign-in-link": f"/accounts/login/?next=/a/{members_activity.pk}/"
    }
    # A member sees the activity; a made-up id is still a plain 404.
    assert member[1].get(f"/a/{members_activity.pk}/").status_code == 200
    assert worker[1].get(f"/a/{members_activity.pk + 1000}/").status_code == 404


def test_a_non_member_opening_a_members_only_service_is_told_and_shown_the_way_in(
    tree, operator, worker, member
):
    service = make_service(operator, make_provider(operator, tree.zgc), audience="members")
    response = worker[1].get(f"/services/{service.pk}/")
    assert response.status_code == 403
    assert MEMBERS_ONLY_ZH in response.content.decode()
    assert member[1].get(f"/services/{service.pk}/").status_code == 200
    assert worker[1].get(f"/services/{service.pk + 1000}/").status_code == 404


# --- joining online --------------------------------------------------------------------------


def online_data(token: str = "1" * 32, **overrides: Any) -> dict[str, str]:
    details = person()
    data = {
        "token": token,
        "consent_version": settings.CONSENT_VERSION,
        "name": details["name"],
        "gender": details["gender"],
        "ethnicity": details["ethnicity"],
        "id_number": details["id_number"],
        "mobile": details["mobile"],
        "employer_name": "美团",
        "credit_code": "",
        "no_employer_union": "on",
        "union": "",
        "job_type": "rider",
        "education": "high_school",
        "political_status": "masses",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def received(mobile: str) -> str:
    return f"/join/received/?to={mobile[:3]}%2A%2A%2A%2A{mobile[-4:]}"


def test_the_online_form_lists_the_street_and_industry_unions_only(tree):
    response = Client().get("/join/")
    assert response.status_code == 200
    html = response.content.decode()
    select = re.search(r'<select name="union".*?</select>', html, re.S)
    assert select
    # Street federations (by name) after industry unions; no federation, enterprise or station.
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select.group(0)) == [
        ("", "请选择…"),
        (str(tree.hlg.pk), "回龙观街道总工会"),
        (str(tree.desheng.pk), "德胜街道总工会"),
    ]
    assert 'action="/join/"' in html
    assert "仅限负责审核您申请的工会（您单位的工会，或您在下方选择的工会）" in html


def test_an_online_application_without_an_employer_union_goes_to_the_chosen_street(
    tree, sms_outbox, django_capture_on_commit_callbacks
):
    data = online_data(union=str(tree.hlg.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/join/", data)
    assert (response.status_code, response["Location"]) == (302, received(data["mobile"]))
    application = Application.objects.get()
    assert (application.org, application.event, application.enterprise) == (tree.hlg, None, None)
    assert (application.channel, application.is_self_service) == ("online", True)
    assert application.status == Application.Status.PENDING
    [sms] = sms_outbox
    assert f"/r/{application.receipt}/" in sms.text
    page = Client().get(response["Location"]).content.decode()
    assert "<h1>已收到入会申请</h1>" in page
    assert '<p id="received-message">' in page


def test_an_online_application_goes_to_the_employers_union_by_name_or_credit_code(
    tree, make_enterprise
):
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    Enterprise.objects.filter(pk=enterprise.pk).update(
        union=tree.sohu, union_established_on=date(2016, 5, 1)
    )
    by_name = online_data(
        "2" * 32, employer_name="搜狐集团（北京）有限公司", union=str(tree.hlg.pk)
    )
    assert Client().post("/join/", by_name).status_code == 302
    by_code = online_data(
        "3" * 32,
        employer_name="搜狐",
        credit_code=enterprise.credit_code.lower(),
        union=str(tree.hlg.pk),
    )
    assert Client().post("/join/", by_code).status_code == 302
    applications = Application.objects.order_by("pk")
    assert [(a.org, a.enterprise) for a in applications] == [
        (tree.sohu, enterprise),
        (tree.sohu, enterprise),
    ]


def test_an_employer_without_a_union_leaves_the_application_with_the_chosen_street(
    tree, make_enterprise
):
    enterprise = make_enterprise(tree.zgc, name="北京某某快递有限公司")
    data = online_data(employer_name="北京某某快递有限公司", union=str(tree.hlg.pk))
    assert Client().post("/join/", data).status_code == 302
    application = Application.objects.get()
    assert (application.org, application.enterprise) == (tree.hlg, enterprise)


def test_a_member_applying_online_gets_the_same_answer(
    tree, operator, sms_outbox, django_capture_on_commit_callbacks
):
    details = person()
    actions.import_member(actor=operator, org=tree.hlg, joined_on=timezone.localdate(), **details)
    data = online_data(
        id_number=details["id_number"], mobile=details["mobile"], union=str(tree.hlg.pk)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/join/", data)
    assert (response.status_code, response["Location"]) == (302, received(data["mobile"]))
    assert Application.objects.count() == 1
    assert len(sms_outbox) == 1


def test_the_online_form_refuses_a_missing_union_and_a_union_of_another_kind(tree):
    missing = Client().post("/join/", online_data())
    assert missing.status_code == 400
    assert "此项为必填项。" in missing.content.decode()
    other_kind = Client().post("/join/", online_data(union=str(tree.zgc.pk)))
    assert other_kind.status_code == 400
    bad_code = Client().post("/join/", online_data(union=str(tree.hlg.pk), credit_code="123"))
    assert bad_code.status_code == 400
    assert "统一社会信用代码为 18 位字母或数字。" in bad_code.content.decode()
    assert Application.objects.count() == 0


def test_online_joining_is_rate_limited_per_mobile_like_event_joining(tree, settings):
    mobile = person()["mobile"]
    answers = [
        Client().post("/join/", online_data(f"{n:032d}", mobile=mobile, union=str(tree.hlg.pk)))
        for n in range(settings.RATE_LIMITS["join.mobile"][0] + 1)
    ]
    assert [a.status_code for a in answers[:-1]] == [302] * (len(answers) - 1)
    assert answers[-1].status_code == 429


def test_staff_see_online_applications_marked_as_self_service(tree, client_for, make_staff):
    data = online_data(union=str(tree.hlg.pk))
    Client().post("/join/", data)
    application = Application.objects.get()
    staff = client_for(make_staff(tree.hlg))
    queue = staff.get(reverse("members:review")).content.decode()
    assert '<small class="self-service">自助申请</small>' in queue
    detail = staff.get(
        reverse("members:application_detail", args=[application.pk])
    ).content.decode()
    assert "<dd>自助申请</dd>" in detail


# --- the signed-out scan and the empty activity list -----------------------------------------


def test_a_signed_out_scan_explains_the_sign_in_and_returns_to_the_scan(tree):
    scan = Client().get("/a/checkin/ABC123/")
    assert (scan.status_code, scan["Location"]) == (
        302,
        "/accounts/login/?next=/a/checkin/ABC123/",
    )
    page = Client().get(scan["Location"]).content.decode()
    assert (
        '<p class="notice" id="scan-sign-in">登录后即可签到。登录后会自动回到您扫描的页面。</p>'
        in page
    )
    assert '<input type="hidden" name="next" value="/a/checkin/ABC123/">' in page
    station = Client().get("/accounts/login/?next=/stations/v/XYZ/").content.decode()
    assert 'id="scan-sign-in"' in station


def test_the_sign_in_page_says_nothing_of_scans_for_other_or_foreign_next(tree):
    for next_url in ("/a/", "https://evil.example/a/checkin/ABC/", ""):
        page = Client().get("/accounts/login/", {"next": next_url}).content.decode()
        assert 'id="scan-sign-in"' not in page, next_url
    foreign = Client().get("/accounts/login/?next=https://evil.example/a/checkin/ABC/")
    assert '<input type="hidden" name="next" value="">' in foreign.content.decode()


def test_an_empty_activity_list_says_nothing_is_open_unless_filtered(tree):
    plain = Client().get("/a/").content.decode()
    assert '<li class="muted" id="no-activities">目前没有开放的活动，请稍后再来看看。</li>' in plain
    filtered = Client().get("/a/", {"category": "seminar"}).content.decode()
    assert '<li class="muted" id="no-activities">没有符合筛选条件的活动。</li>' in filtered


# --- dates, the QR codes and contrast --------------------------------------------------------


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    zone = timezone.get_current_timezone()
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_date_ranges_keep_the_year_across_new_year_and_outside_the_current_year():
    year = timezone.localdate().year
    assert date_range(local(2026, 11, 7, 13), local(2027, 2, 5, 13)) == (
        "2026-11-07 13:00 – 2027-02-05 13:00"
    )
    assert date_range(local(year, 3, 1, 9), local(year, 3, 4, 18)) == "03-01 09:00 – 03-04 18:00"
    assert date_range(local(year, 3, 1, 9), local(year, 3, 1, 11, 30)) == "03-01 09:00 – 11:30"
    assert date_range(local(year + 1, 3, 1, 9), local(year + 1, 3, 1, 11)) == (
        f"{year + 1}-03-01 09:00 – 11:00"
    )
    assert date_range(local(year - 1, 5, 1, 9), local(year - 1, 5, 2, 9)) == (
        f"{year - 1}-05-01 09:00 – {year - 1}-05-02 09:00"
    )
    assert date_range(None, None) == ""


def test_an_offers_claiming_window_across_new_year_shows_both_years(tree, operator, member):
    service = make_service(operator, make_provider(operator, tree.zgc), audience="public")
    make_offer(
        operator,
        service,
        claims_open_at=timezone.now() - timedelta(hours=1),
        claims_close_at=local(timezone.localdate().year + 1, 2, 5, 13),
        redeem_until=local(timezone.localdate().year + 1, 3, 1, 0),
    )
    html = member[1].get(f"/services/{service.pk}/").content.decode()
    opened = timezone.localtime(timezone.now() - timedelta(hours=1))
    expected = f"{opened:%Y-%m-%d %H:%M} – {timezone.localdate().year + 1}-02-05 13:00"
    assert f"<dd>{expected}</dd>" in html


def test_the_card_and_wallet_qr_codes_are_images_with_a_name(tree, operator, member):
    own, client = member
    card = client.get("/me/card/").content.decode()
    assert re.search(r'<figure class="qr" id="card-qr" [^>]*role="img" aria-label="[^"]+"', card)
    service = make_service(operator, make_provider(operator, tree.zgc), audience="public")
    claim = claiming.claim_offer(member=own, offer=make_offer(operator, service))
    wallet = client.get(f"/me/wallet/{claim.pk}/").content.decode()
    assert '<div class="claim-qr" role="img" aria-label="优惠码二维码">' in wallet


def hex_colour(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in hex_colour(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def css_colour(css: str, selector: str, prop: str = "color") -> str:
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert rule, selector
    value = re.search(rf"(?<![-\w]){prop}:\s*(#[0-9a-fA-F]{{6}}|var\(--[\w-]+\))", rule.group(1))
    assert value, (selector, prop)
    colour = value.group(1)
    if colour.startswith("var("):
        name = colour[4:-1]
        defined = re.search(rf"{name}:\s*(#[0-9a-fA-F]{{6}})", css)
        assert defined, name
        colour = defined.group(1)
    return colour


def test_member_text_colours_meet_wcag_aa_on_their_backgrounds():
    css = MEMBER_CSS.read_text()
    app = APP_CSS.read_text()
    muted = css_colour(css, ".member .muted, .member .help, .member .tag")
    page_bg = re.search(r"--bg:\s*(#[0-9a-fA-F]{6})", app).group(1)  # type: ignore[union-attr]
    tag_bg = css_colour(app, ".tag", "background")
    used = ".member .wallet .claim.used, .member .wallet .claim.expired"
    used_bg = css_colour(css, used, "background")
    used_text = css_colour(css, used)
    used_muted = css_colour(
        css, f"{used.split(',')[0]} .muted, {used.split(',')[1].strip()} .muted"
    )
    nav_text = css_colour(css, ".member-nav a")
    nav_current = css_colour(css, ".member-nav a[aria-current=page]")
    pairs = {
        "muted on white": (muted, "#ffffff"),
        "muted on the page": (muted, page_bg),
        "muted on a tag": (muted, tag_bg),
        "muted on a used item": (muted, used_bg),
        "a used item's text": (used_text, used_bg),
        "a used item's muted text": (used_muted, used_bg),
        "navigation": (nav_text, "#ffffff"),
        "current navigation": (nav_current, "#ffffff"),
    }
    ratios = {name: round(contrast(*colours), 2) for name, colours in pairs.items()}
    assert {name: ratio >= 4.5 for name, ratio in ratios.items()} == dict.fromkeys(pairs, True), (
        ratios
    )
    assert (muted, used_bg, tag_bg) == ("#565e67", "#eef0f2", "#eaeef2")
    assert ratios["muted on white"] == 6.58


def test_a_non_member_scanning_a_station_poster_or_public_activity_is_offered_joining(
    tree, operator, worker
):
    details = StationDetails(
        name="龙泽园驿站",
        district="昌平区",
        street="回龙观",
        address="龙泽园小区西门南侧",
        weekdays="1234567",
        opens=None,
        closes=None,
        all_day=True,
        amenities=["water"],
        phone="010-81790001",
    )
    station = create_station(actor=operator, org=tree.station, details=details)
    visit = worker[1].get(reverse("stations:visit", kwargs={"code": poster_code(station)}))
    assert visit.status_code == 403
    assert ids_in(visit.content.decode(), "join-link") == {"join-link": "/join/"}
    start = timezone.now() + timedelta(days=3)
    activity = event_actions.create_activity(
        actor=operator,
        org=tree.zgc,
        title="公开讲座",
        category="seminar",
        description="讲座",
        audience="public",
        audience_org=None,
        place="中关村会议中心",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        publish=True,
    )
    detail = worker[1].get(f"/a/{activity.pk}/").content.decode()
    assert ids_in(detail, "join-link") == {"join-link": "/join/"}
