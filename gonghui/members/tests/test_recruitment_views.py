import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gonghui.core.tests.pdf import pdf_fonts, pdf_lines
from gonghui.enterprises.models import Enterprise
from gonghui.members import actions
from gonghui.members.models import Application, RecruitmentEvent
from gonghui.members.tests.factories import id_number, person
from gonghui.orgs.models import Org

EN = {"Accept-Language": "en"}


def make_event(operator, org, **fields):
    now = timezone.now()
    values: dict[str, Any] = {
        "enterprise": None,
        "title": "搜狐双沟通活动",
        "place": "搜狐媒体大厦一层食堂",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(hours=3),
        "target": 500,
        "gift_name": "入会礼包",
        "gift_stock": 2,
    }
    values.update(fields)
    return actions.create_recruitment_event(actor=operator, org=org, **values)


@pytest.fixture
def event(tree, operator):
    return make_event(operator, tree.zgc)


def join_url(event):
    return reverse("members:join", args=[event.code])


def form_data(token="0" * 32, **overrides):
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
        "no_employer_union": "on",
        "job_type": "rider",
        "education": "high_school",
        "political_status": "masses",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def first_match(pattern, text, group=1, flags=0):
    match = re.search(pattern, text, flags)
    assert match, pattern
    return match.group(group)


def received_url(event, mobile: str) -> str:
    """Where every accepted submission is sent: the same page whoever applied."""
    masked = f"{mobile[:3]}%2A%2A%2A%2A{mobile[-4:]}"
    return f"/j/{event.code}/received/?to={masked}"


def receipt_of(client, event):
    """Apply through the form; the receipt as the applicant gets it (by SMS)."""
    response = client.post(join_url(event), form_data())
    assert response.status_code == 302
    return Application.objects.get().receipt


# --- the public joining form -----------------------------------------------------------------


def test_opening_the_link_counts_a_scan_and_hands_out_a_fresh_token(event):
    client = Client()
    first = client.get(join_url(event), headers=EN)
    second = client.get(join_url(event), headers=EN)
    event.refresh_from_db()
    assert first.status_code == 200
    assert event.scans == 2
    tokens = [
        first_match(r'name="token" value="([0-9a-f]{32})"', page.content.decode())
        for page in (first, second)
    ]
    assert tokens[0] != tokens[1]
    assert first["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    text = first.content.decode()
    assert f'name="consent_version" value="{settings.CONSENT_VERSION}"' in text
    assert "Privacy notice (version 2026-11)" in text
    assert "The staff of 中关村科学城总工会, which reviews your application" in text
    assert '<option value="饿了么">' in text
    ethnicities = first_match(r'<select name="ethnicity".*?</select>', text, 0, re.S)
    assert ethnicities.count("<option") == 56
    assert '<option value="01" selected>汉族</option>' in ethnicities


def test_an_unknown_code_is_not_found(db):
    assert Client().get("/j/nosuchcd/").status_code == 404


def test_a_head_request_is_not_a_scan(event):
    assert Client().head(join_url(event)).status_code == 200
    event.refresh_from_db()
    assert event.scans == 0


def test_a_typo_in_the_id_number_shows_on_the_field_and_creates_nothing(event):
    good = id_number(serial=7)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = Client().post(join_url(event), form_data(id_number=typo), headers=EN)
    text = response.content.decode()
    assert response.status_code == 400
    assert (
        '<p class="field-error" role="alert">The last character does not match the rest of '
        "the number; please check for a typo.</p>" in text
    )
    assert Application.objects.count() == 0
    # What the worker typed stays in the form, token included, so a correction resubmits it.
    assert 'name="token" value="00000000000000000000000000000000"' in text
    assert f'value="{typo}"' in text


def test_every_wrong_field_shows_at_once(event):
    response = Client().post(
        join_url(event),
        form_data(id_number="11010819950615001", mobile="1380013800", job_type=""),
        headers=EN,
    )
    errors = re.findall(
        r'<p class="field-error" role="alert">([^<]+)</p>', response.content.decode()
    )
    assert errors == [
        "An ID number has 18 characters; this one has 17.",
        "A mobile number has 11 digits; this one has 10.",
        "This field is required.",
    ]


def test_a_valid_application_is_received_and_its_status_link_goes_by_sms(
    event, tree, sms_outbox, django_capture_on_commit_callbacks
):
    data = form_data(token="a" * 32, mobile="139 0000 1234")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(join_url(event), data, headers=EN)
    assert (response.status_code, response["Location"]) == (
        302,
        received_url(event, "13900001234"),
    )
    application = Application.objects.get()
    assert application.org == tree.zgc
    assert application.event == event
    assert application.submission_key == "a" * 32
    assert application.has_employer_union is False
    assert application.employer_name == "美团"
    assert application.consent_version == settings.CONSENT_VERSION
    assert [message.mobile for message in sms_outbox] == ["13900001234"]
    assert f"http://testserver/r/{application.receipt}/" in sms_outbox[0].text
    page = client.get(response["Location"], headers=EN)
    text = page.content.decode()
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert (
        '<p id="received-message">We received your application. A text message with the link '
        "to follow it is on its way to the mobile number you entered.</p>" in text
    )
    assert "The text goes to 139****1234." in text
    assert (
        "Show the page of that link at the gift desk to receive your welcome gift: 入会礼包."
        in (text)
    )
    assert "data-draft-done" in text
    assert application.receipt not in text


def test_the_received_page_shows_only_a_masked_number_from_its_address(event):
    page = Client().get(f"/j/{event.code}/received/?to=13900001234", headers=EN).content.decode()
    assert "The text goes to" not in page


def test_an_event_at_an_enterprise_with_a_union_routes_there(tree, operator, make_enterprise):
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    Enterprise.objects.filter(pk=enterprise.pk).update(
        union=tree.sohu, union_established_on=date(2016, 5, 1)
    )
    enterprise.refresh_from_db()
    event = make_event(operator, tree.zgc, enterprise=enterprise)
    page = Client().get(join_url(event), headers=EN).content.decode()
    assert "The staff of 搜狐集团（北京）工会, which reviews your application" in page
    Client().post(join_url(event), form_data(no_employer_union=None))
    application = Application.objects.get()
    assert application.org == tree.sohu
    assert application.enterprise == enterprise
    assert application.has_employer_union is True


def test_the_same_submission_again_gets_the_same_answer_and_one_text(
    event, sms_outbox, django_capture_on_commit_callbacks
):
    client = Client()
    data = form_data(token="b" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(join_url(event), data)
        again = client.post(join_url(event), data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Application.objects.count() == 1
    assert len(sms_outbox) == 1


def test_applying_again_with_a_new_form_is_a_new_application_with_its_own_link(
    event, sms_outbox, django_capture_on_commit_callbacks
):
    data = form_data(token="c" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        first = Client().post(join_url(event), data)
        again = Client().post(join_url(event), {**data, "token": "d" * 32})
    assert again["Location"] == first["Location"]
    receipts = list(Application.objects.order_by("pk").values_list("receipt", flat=True))
    assert len(receipts) == 2
    assert [f"/r/{r}/" in m.text for r, m in zip(receipts, sms_outbox, strict=True)] == [True] * 2


def test_an_id_number_in_review_or_a_members_gets_the_same_answer_as_a_new_one(
    event, tree, make_staff
):
    """Issue 11's oracle through the form: the same redirect whoever the ID number is."""
    taken = form_data(token="e" * 32, mobile="13900001234")
    Client().post(join_url(event), taken)  # now in review
    in_review = Client().post(join_url(event), {**taken, "token": "f" * 32})
    actions.approve_application(
        actor=make_staff(tree.zgc, "reviewer"), application=Application.objects.earliest("pk")
    )
    of_a_member = Client().post(
        join_url(event), {**taken, "token": "g" * 32, "mobile": "13900005678"}
    )
    new_person = Client().post(join_url(event), form_data(token="h" * 32, mobile="13900005678"))
    assert (in_review.status_code, in_review["Location"]) == (
        302,
        received_url(event, "13900001234"),
    )
    assert (of_a_member.status_code, of_a_member["Location"]) == (
        new_person.status_code,
        new_person["Location"],
    )
    assert Application.objects.count() == 4


def test_too_many_applications_for_one_number_say_when_to_try_again(event):
    responses = [
        Client().post(join_url(event), form_data(token=f"{n}" * 32, mobile="13900001234"))
        for n in range(4)
    ]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert "尝试次数过多。请 60 分钟后再试。" in responses[3].content.decode()
    assert Application.objects.count() == 3


def test_consent_is_required(event):
    response = Client().post(join_url(event), form_data(consent=None), headers=EN)
    assert response.status_code == 400
    assert (
        '<p class="field-error" role="alert">Please read and agree to the privacy notice.</p>'
        in response.content.decode()
    )
    assert Application.objects.count() == 0


def test_an_outdated_privacy_notice_must_be_read_again(event):
    response = Client().post(join_url(event), form_data(consent_version="2020-01"), headers=EN)
    assert response.status_code == 400
    assert "The privacy notice has changed; please read it again." in response.content.decode()
    assert Application.objects.count() == 0


def test_what_people_type_is_normalised(event):
    plain = id_number(serial=11)
    while not plain.endswith("X"):
        plain = id_number()
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in plain[:-1])
    typed = full_width[:6] + " " + full_width[6:] + "x"
    response = Client().post(
        join_url(event), form_data(id_number=typed, mobile="１３９ ００００ ７７７７")
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert str(application.id_number) == plain
    assert str(application.mobile) == "13900007777"


def test_a_closed_event_shows_no_form(tree, operator):
    now = timezone.now()
    event = make_event(
        operator, tree.zgc, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=2)
    )
    page = Client().get(join_url(event), headers=EN).content.decode()
    assert 'id="event-closed"' in page
    assert 'id="join-form"' not in page
    response = Client().post(join_url(event), form_data(), headers=EN)
    assert response.status_code == 400
    assert "This recruitment event is not open" in response.content.decode()
    assert Application.objects.count() == 0


# --- the receipt -----------------------------------------------------------------------------


def test_the_receipt_shows_the_status_as_it_changes(event, tree, operator, make_staff):
    client = Client()
    receipt = receipt_of(client, event)
    url = reverse("members:receipt", args=[receipt])

    def status():
        page = client.get(url, headers=EN).content.decode()
        return first_match(r'data-status="(\w+)"', page), page

    state, page = status()
    assert state == "pending"
    assert "Show this page at the gift desk to receive your welcome gift: 入会礼包." in page
    assert "data-draft-done" in page
    member = actions.approve_application(
        actor=make_staff(tree.zgc, "reviewer"), application=Application.objects.get()
    )
    actions.give_welcome_gift(actor=operator, application=Application.objects.get())
    state, page = status()
    assert state == "approved"
    assert f'<dd id="member-number"><strong>{member.number}</strong></dd>' in page
    assert "You received your welcome gift (入会礼包)." in page


def test_a_rejected_application_shows_the_reason(event, tree, make_staff):
    client = Client()
    receipt = receipt_of(client, event)
    actions.reject_application(
        actor=make_staff(tree.zgc, "reviewer"),
        application=Application.objects.get(),
        reason="身份证照片不清晰",
    )
    page = client.get(reverse("members:receipt", args=[receipt]), headers=EN).content.decode()
    assert 'data-status="rejected"' in page
    assert '<dd id="reject-reason">身份证照片不清晰</dd>' in page


def test_an_unknown_receipt_is_not_found(db):
    assert Client().get("/r/not-a-receipt/").status_code == 404


# --- staff pages -----------------------------------------------------------------------------


def test_staff_create_an_event(tree, make_staff, client_for, make_enterprise):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    client = client_for(admin)
    form = client.get(reverse("members:event_create"), headers=EN).content.decode()
    # The union picker starts at the staff member's own union; the enterprise is searched.
    assert f'name="org" value="{tree.zgc.pk}"' in form
    assert 'name="org_text" value="中关村科学城总工会"' in form
    assert 'name="enterprise" value=""' in form
    response = client.post(
        reverse("members:event_create"),
        {
            "org": tree.zgc.pk,
            "enterprise": enterprise.pk,
            "title": "搜狐双沟通活动",
            "place": "搜狐媒体大厦",
            "starts_at": "2026-11-20T14:00",
            "ends_at": "2026-11-20T18:00",
            "target": "500",
            "gift_name": "入会礼包",
            "gift_stock": "300",
        },
    )
    event = RecruitmentEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:event_detail", args=[event.pk])
    assert (event.org, event.enterprise, event.target, event.gift_stock) == (
        tree.zgc,
        enterprise,
        500,
        300,
    )
    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 14:00"
    assert len(event.code) == 8


def test_the_event_form_stays_small_with_hundreds_of_unions(tree, make_staff, client_for):
    Org.objects.bulk_create(
        Org(
            name=f"第{n}分公司工会",
            kind="enterprise",
            parent=tree.zgc,
            path=f"{tree.zgc.path}{n + 10:05d}",
        )
        for n in range(600)
    )
    page = client_for(make_staff(tree.zgc)).get(reverse("members:event_create"))
    assert page.status_code == 200
    assert "分公司" not in page.text  # searched as the user types, never listed
    assert len(page.content) < 20_000


def test_the_event_form_refuses_an_end_before_the_start(tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc))
    response = client.post(
        reverse("members:event_create"),
        {
            "org": tree.zgc.pk,
            "title": "活动",
            "place": "食堂",
            "starts_at": "2026-11-20T14:00",
            "ends_at": "2026-11-20T13:00",
        },
        headers=EN,
    )
    assert response.status_code == 200
    assert "The event must end after it starts." in response.content.decode()
    assert RecruitmentEvent.objects.count() == 0


def test_the_enterprise_picker_lists_only_enterprises_in_scope(
    tree, make_staff, client_for, make_enterprise
):
    make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    make_enterprise(tree.desheng, name="搜索不到的企业")
    client = client_for(make_staff(tree.zgc))
    page = client.get(
        reverse("enterprises:pick"), {"cap": "members.recruit", "enterprise_text": "搜"}
    )
    names = re.findall(r'data-label="([^"]+)"', page.content.decode())
    assert names == ["搜狐集团（北京）有限公司"]


def test_an_event_at_an_enterprise_typed_by_name_without_javascript(
    tree, make_staff, client_for, make_enterprise
):
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    client = client_for(make_staff(tree.zgc))
    response = client.post(
        reverse("members:event_create"),
        {
            "org_text": "中关村科学城总工会",
            "enterprise_text": "搜狐集团（北京）有限公司",
            "title": "活动",
            "place": "食堂",
            "starts_at": "2026-11-20T14:00",
            "ends_at": "2026-11-20T18:00",
        },
    )
    assert response.status_code == 302
    event = RecruitmentEvent.objects.get()
    assert (event.org, event.enterprise) == (tree.zgc, enterprise)


def test_creating_for_an_org_outside_the_scope_is_not_found(tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc))
    response = client.post(
        reverse("members:event_create"),
        {
            "org": tree.desheng.pk,
            "title": "活动",
            "place": "食堂",
            "starts_at": "2026-11-20T14:00",
            "ends_at": "2026-11-20T18:00",
        },
    )
    assert response.status_code == 404
    assert RecruitmentEvent.objects.count() == 0


def test_a_viewer_cannot_create_events(tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc, "viewer"))
    assert client.get(reverse("members:event_create")).status_code == 404
    page = client.get(reverse("members:events")).content.decode()
    assert reverse("members:event_create") not in page


def test_the_event_list_shows_counts(event, tree, operator, make_staff, client_for):
    make_event(operator, tree.desheng, title="德胜街道活动")
    for token in ("k" * 32, "l" * 32):
        Client().post(join_url(event), form_data(token=token))
    actions.approve_application(actor=operator, application=Application.objects.order_by("pk")[0])
    page = client_for(make_staff(tree.zgc)).get(reverse("members:events")).content.decode()
    rows = re.findall(r'<td class="num">(\d+)</td>', page)
    assert rows == ["2", "1", "500"]
    assert "德胜街道活动" not in page


@pytest.mark.parametrize("rows", [1, 3])
def test_the_event_list_query_count_does_not_grow_with_rows(
    rows, tree, operator, make_staff, client_for
):
    for _ in range(rows):
        make_event(operator, tree.zgc)
    client = client_for(make_staff(tree.zgc))
    client.get(reverse("members:events"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:events"))
    assert response.status_code == 200
    assert len(queries) == 6


def test_the_event_page_shows_the_funnel(event, tree, operator, make_staff, client_for):
    client = Client()
    client.get(join_url(event))
    client.get(join_url(event))
    client.get(join_url(event))
    client.post(join_url(event), form_data(token="m" * 32, employer_name="美团"))
    client.post(join_url(event), form_data(token="n" * 32, employer_name="美团"))
    client.post(join_url(event), form_data(token="o" * 32, employer_name="顺丰速运"))
    first = Application.objects.order_by("pk")[0]
    actions.approve_application(actor=operator, application=first)
    actions.give_welcome_gift(actor=operator, application=first)
    page = (
        client_for(make_staff(tree.zgc, "viewer"))
        .get(reverse("members:event_detail", args=[event.pk]), headers=EN)
        .content.decode()
    )
    figures = dict(re.findall(r'<span class="value" id="([\w-]+)">(\d+)</span>', page))
    assert figures == {
        "scans": "3",
        "applications": "3",
        "approved": "1",
        "members": "1",
        "peak": "3",
        "last-minutes": "3",
        "gifts-given": "1",
    }
    employers = re.findall(
        r'<tr><td>([^<]+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', page
    )
    assert employers == [("美团", "2", "1"), ("顺丰速运", "1", "0")]
    assert f'href="{reverse("members:event_poster", args=[event.pk])}"' in page
    assert f'href="{reverse("members:event_screen", args=[event.pk])}"' in page
    # A viewer may not hand out gifts or restock.
    assert f'href="{reverse("members:event_gifts", args=[event.pk])}"' not in page
    assert "Restock welcome gifts" not in page


def test_restocking_gifts(event, tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc, "operator"))
    url = reverse("members:event_restock", args=[event.pk])
    assert client.post(url, {"added": "48"}).status_code == 302
    event.refresh_from_db()
    assert event.gift_stock == 50
    refused = client.post(url, {"added": "0"}, headers=EN)
    assert refused.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in refused.content.decode()
    event.refresh_from_db()
    assert event.gift_stock == 50


def test_the_poster_is_a_pdf_with_the_joining_address(event, tree, make_staff, client_for):
    RecruitmentEvent.objects.filter(pk=event.pk).update(title="中关村·外卖骑手入会日")
    response = client_for(make_staff(tree.zgc, "viewer")).get(
        reverse("members:event_poster", args=[event.pk])
    )
    pdf = response.content
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="poster-{event.code}.pdf"'
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    lines = pdf_lines(pdf)
    assert "中关村·外卖骑手入会日" in lines  # the "·" is in the PDF, not dropped or "�"
    assert f"http://testserver/j/{event.code}" in lines
    assert pdf_fonts(pdf) == [("AAAAAA+WenQuanYiMicroHei-0", True)]


def test_the_big_screen_refreshes_its_figures_by_itself(event, tree, make_staff, client_for):
    Client().post(join_url(event), form_data(token="p" * 32))
    client = client_for(make_staff(tree.zgc, "viewer"))
    url = reverse("members:event_screen", args=[event.pk])
    page = client.get(url, headers=EN).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 5s"' in page
    assert '<span class="value" id="screen-applications">1</span>' in page
    assert "<svg" in page
    assert f"http://testserver/j/{event.code}</code>" in page
    Client().post(join_url(event), form_data(token="q" * 32))
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="screen-figures"')
    assert '<span class="value" id="screen-applications">2</span>' in partial
    assert '<span class="value" id="screen-recent">2</span>' in partial
    assert "<svg" not in partial


def test_the_gift_desk_finds_applicants_and_hands_out_gifts_once(
    event, tree, make_staff, client_for
):
    for token, name, mobile in (
        ("r" * 32, "张三丰", "13911112222"),
        ("s" * 32, "李四光", "13933334444"),
        ("t" * 32, "王五", "13955554444"),
    ):
        Client().post(join_url(event), form_data(token=token, name=name, mobile=mobile))
    client = client_for(make_staff(tree.zgc, "operator"))
    url = reverse("members:event_gifts", args=[event.pk])

    def found(query):
        page = client.get(url, {"q": query}, headers=EN).content.decode()
        return re.findall(r'<tr id="application-\d+">\s*<td>([^<]+)</td>', page)

    assert found("") == ["王五", "李四光", "张三丰"]
    assert found("李四") == ["李四光"]
    assert found("4444") == ["李四光", "王五"]
    assert found("139 1111 2222") == ["张三丰"]
    assert found("0000") == []

    zhang = Application.objects.get(name="张三丰")
    give = reverse("members:event_give_gift", args=[event.pk, zhang.pk])
    row = client.post(give, headers={**EN, "HX-Request": "true"}).content.decode()
    assert "Handed out just now (1 gift left)" in row
    zhang.refresh_from_db()
    assert zhang.gift_given_at is not None
    again = client.post(give, headers={**EN, "HX-Request": "true"}).content.decode()
    assert "This applicant already received a gift." in again
    li = Application.objects.get(name="李四光")
    client.post(reverse("members:event_give_gift", args=[event.pk, li.pk]))
    wang = Application.objects.get(name="王五")
    response = client.post(
        reverse("members:event_give_gift", args=[event.pk, wang.pk]),
        {"q": "王"},
        follow=True,
        headers=EN,
    )
    assert response.redirect_chain == [(f"{url}?q=%E7%8E%8B", 302)]
    assert "No welcome gifts are left for this event." in response.content.decode()
    event.refresh_from_db()
    assert event.gifts_given == 2
    assert Application.objects.filter(gift_given_at__isnull=False).count() == 2


def test_a_gift_for_another_events_applicant_is_not_found(
    event, tree, operator, make_staff, client_for
):
    other = make_event(operator, tree.zgc, title="另一场活动")
    Client().post(join_url(other), form_data(token="u" * 32))
    application = Application.objects.get()
    client = client_for(make_staff(tree.zgc, "operator"))
    response = client.post(reverse("members:event_give_gift", args=[event.pk, application.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.gifts_given == 0


STAFF_PAGES = [
    ("get", "event_detail"),
    ("get", "event_poster"),
    ("get", "event_screen"),
    ("get", "event_gifts"),
    ("post", "event_restock"),
]


@pytest.mark.parametrize(("method", "name"), STAFF_PAGES)
def test_staff_pages_work_for_the_events_union(
    method, name, tree, operator, make_staff, client_for
):
    event = make_event(operator, tree.hlg)
    client = client_for(make_staff(tree.hlg))
    url = reverse(f"members:{name}", args=[event.pk])
    response = client.get(url) if method == "get" else client.post(url, {"added": "1"})
    assert response.status_code == (302 if method == "post" else 200)


@pytest.mark.parametrize(("method", "name"), STAFF_PAGES)
def test_staff_pages_are_not_found_for_a_sibling_street(
    method, name, tree, operator, make_staff, client_for
):
    event = make_event(operator, tree.hlg)
    client = client_for(make_staff(tree.desheng))
    url = reverse(f"members:{name}", args=[event.pk])
    response = client.get(url) if method == "get" else client.post(url, {"added": "1"})
    assert response.status_code == 404


def test_a_sibling_street_cannot_hand_out_gifts(tree, operator, make_staff, client_for):
    event = make_event(operator, tree.hlg)
    Client().post(join_url(event), form_data(token="v" * 32))
    application = Application.objects.get()
    client = client_for(make_staff(tree.desheng))
    url = reverse("members:event_give_gift", args=[event.pk, application.pk])
    assert client.post(url).status_code == 404
    application.refresh_from_db()
    assert application.gift_given_at is None
    page = client.get(reverse("members:events")).content.decode()
    assert event.title not in page


def test_staff_pages_need_a_signed_in_staff_member(event):
    for name in ("events", "event_create"):
        response = Client().get(reverse(f"members:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    response = Client().get(reverse("members:event_detail", args=[event.pk]))
    assert response.status_code == 302
