"""In a real browser: a member submits a 五小 entry with a photo from their phone, a juror
scores it on theirs, staff shortlist it and open a public vote, two members vote (each gets a
receipt at once), staff close the vote, publish the result and award the entry, and the
public showcase shows it with its award and photo.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from gonghui.core.tests.browser import PHONE, PageFactory, sign_in_staff
from gonghui.reviews.models import Ballot, Submission

pytestmark = pytest.mark.browser

ENGLISH = {"locale": "en-US", "timezone_id": "Asia/Shanghai"}


def sign_in_by_sms(page: Page, mobile: str, sms_outbox) -> None:
    page.locator("input[name=mobile]").fill(mobile)
    page.locator("main form.form button").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1].text)
    page.locator("input[name=code]").fill(found[-1])
    page.locator("main form.form button").click()


def member_page(new_page: PageFactory, path: str, mobile: str, sms_outbox) -> Page:
    page = new_page(**PHONE, **ENGLISH)
    page.goto(path)
    if page.locator("#sign-in-to-vote").count():
        page.locator("#sign-in-to-vote").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_by_sms(page, mobile, sms_outbox)
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    return page


def test_an_entry_goes_from_a_phone_through_jury_and_vote_to_the_showcase(
    transactional_db,
    new_page: PageFactory,
    tree,
    call,
    make_member,
    make_staff,
    sms_outbox,
    tmp_path: Path,
):
    author = make_member(tree.hlg, mobile="13800000001", name="赵建国")
    juror = make_member(tree.desheng, mobile="13800000002")
    voters = [make_member(tree.hlg, mobile=f"1380000001{n}") for n in range(2)]
    make_staff(tree.root, "org_admin", name="王建国")
    photo = tmp_path / "tester.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "orange").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    # The member enters from the phone, with a photo.
    phone = member_page(new_page, reverse("innovation:home"), str(author.mobile), sms_outbox)
    phone.locator("#calls a", has_text=call.title).click()
    phone.locator("#id_title").fill("便携式电工测试仪")
    phone.locator("#id_category").select_option("invention")
    phone.locator("#id_summary").fill("一键测通断，省去整车通电。")
    phone.locator("#id_upload").set_input_files(str(photo))
    phone.locator("#submit-entry").click()
    expect(phone.locator("#entry-status")).to_contain_text("Submitted")
    expect(phone.locator("#attachments img")).to_have_count(1)
    entry = Submission.objects.get()

    # Staff start the review and assign the juror by their mobile number.
    staff = new_page(**ENGLISH)
    sign_in_staff(staff, "staff1")
    staff.goto(reverse("innovation:staff_call", args=[call.pk]))
    staff.locator("#start-review").click()
    expect(staff.locator("#rubric h2")).to_contain_text("frozen")
    row = staff.locator(f"#entries tr[data-entry='{entry.pk}']")
    row.locator("input[name=reviewer]").fill(str(juror.mobile))
    row.locator("button").click()
    expect(staff.locator(f"#entries tr[data-entry='{entry.pk}'] td.jurors")).to_have_text("1")

    # The juror scores every criterion on the phone.
    jury = member_page(new_page, reverse("innovation:home"), str(juror.mobile), sms_outbox)
    jury.locator("#jury a").first.click()
    for field in jury.locator("fieldset.criterion input[type=number]").all():
        field.fill("8")
    jury.locator("#save-scores").click()
    expect(jury.locator("#jury .tag")).to_have_text("Scored")

    # Staff shortlist it and open a public vote of all members.
    staff.goto(reverse("innovation:staff_entry", args=[entry.pk]))
    staff.locator("#id_decision").select_option("shortlisted")
    staff.locator("#id_reason").fill("评审第一，入围网络投票")
    staff.locator("#decide button").click()
    expect(staff.locator("table.ranking td.decision")).to_contain_text("Shortlisted")
    staff.goto(reverse("innovation:staff_poll_create", args=[call.pk]))
    staff.locator("#id_title").fill("五小成果网络投票")
    electorate = staff.get_by_role("combobox", name="Electorate: active members of")
    electorate.fill("")
    electorate.press_sequentially("北京市总工会", delay=30)
    staff.locator("#id_electorate_list [role=option]").first.click()
    expect(staff.locator("input[name=electorate]")).to_have_value(str(tree.root.pk))
    staff.locator("main form.form button").click()
    staff.locator("#open-poll").click()
    expect(staff.locator("#weights")).to_contain_text("jury 70 %, public vote 30 %")
    poll_path = reverse("innovation:poll", args=[entry.call.polls.get().pk])

    # Two members vote: one tap each, the receipt at once.
    receipts = []
    for voter in voters:
        page = member_page(new_page, poll_path, str(voter.mobile), sms_outbox)
        page.locator(".vote-button").click()
        expect(page.locator("#receipt .receipt-code")).to_have_text(re.compile(r"^[2-9A-Z]{10}$"))
        receipts.append(page.locator("#receipt .receipt-code").inner_text())
        expect(page.locator(".vote-button")).to_have_count(0)
    assert sorted(Ballot.objects.values_list("receipt", flat=True)) == sorted(receipts)

    # Staff close the vote and publish; the voter finds the receipt in the tally log.
    staff.goto(reverse("innovation:staff_poll", args=[entry.call.polls.get().pk]))
    staff.locator("#close-poll").click()
    staff.locator("#publish-poll").click()
    staff.goto(reverse("innovation:staff_entry", args=[entry.pk]))
    staff.locator("#id_decision").select_option("awarded")
    staff.locator("#id_award_level").fill("一等奖")
    staff.locator("#id_reason").fill("综合得分第一")
    staff.locator("#decide button").click()
    expect(staff.locator("table.ranking td.decision")).to_contain_text("Awarded · 一等奖")
    log = new_page(**PHONE, **ENGLISH)
    log.goto(
        reverse("innovation:poll_log", args=[entry.call.polls.get().pk]) + f"?receipt={receipts[0]}"
    )
    expect(log.locator("#receipt-found")).to_contain_text("Found: ballot")

    # The public showcase shows the entry with its award and photo.
    public = new_page(**PHONE, **ENGLISH)
    public.goto(reverse("innovation:showcase"))
    card = public.locator(f"#showcase li[data-entry='{entry.pk}']")
    expect(card.locator(".award")).to_have_text("Awarded · 一等奖")
    card.locator("a").click()
    expect(public.locator("#award")).to_have_text("Awarded · 一等奖")
    expect(public.locator("figure img")).to_have_count(1)
    assert public.locator("figure img").evaluate("img => img.naturalWidth") == 120
