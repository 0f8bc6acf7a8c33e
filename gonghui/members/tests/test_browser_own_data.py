"""A worker's rights over their data in a real browser, on a phone: they sign in by SMS, open
their data from their account page, reveal their numbers, download the .xlsx and withdraw
their consent, which signs them out.

Run on their own with `pytest -m browser` (Debian's Chromium through Playwright, against
pytest-django's live server).
"""

import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from gonghui.core.tests.browser import PHONE
from gonghui.members.models import Member
from gonghui.members.tests.own_data_world import make_world
from gonghui.members.tests.test_browser_cards import ENGLISH, sign_in_worker

pytestmark = pytest.mark.browser


def test_a_worker_sees_downloads_and_withdraws(
    transactional_db, new_page, tree, operator, sms_outbox, tmp_path: Path
):
    world = make_world(operator, tree)
    member = world.worker.member
    phone = new_page(**PHONE, **ENGLISH)
    sign_in_worker(phone, sms_outbox)

    phone.get_by_role("link", name="My personal data").click()
    phone.wait_for_url(re.compile(r"/me/data/$"))
    expect(phone.locator("#data-membership")).to_contain_text(member.number)
    expect(phone.locator("#data-membership")).to_contain_text("139****1234")
    expect(phone.locator("#data-station_visits")).to_contain_text("龙泽园驿站")
    expect(phone.locator("#data-claims")).to_contain_text("免费心理咨询一次")
    expect(phone.locator("#data-audit")).to_contain_text("Staff viewed your full number")
    expect(phone.locator("main")).not_to_contain_text("吴快递")
    phone.locator("#show-numbers").click()
    expect(phone.locator("#data-membership")).to_contain_text(str(member.id_number))

    with phone.expect_download() as download_info:
        phone.locator("#download-data").click()
    saved = tmp_path / "data.xlsx"
    download_info.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book["会员档案"]["A2"].value == member.number
    assert book["会员档案"]["F2"].value == "13900001234"

    phone.locator("#withdraw-consent").click()
    phone.wait_for_url(re.compile(r"/me/data/withdraw-consent/$"))
    expect(phone.locator("main")).to_contain_text(member.number)
    phone.locator("#confirm-withdrawal").click()
    expect(phone.locator(".field-error")).to_have_text("Tick the box to confirm.")
    phone.locator("input[name=confirm]").check()
    phone.locator("#confirm-withdrawal").click()
    expect(phone.locator("#consent-withdrawn")).to_have_text("Consent withdrawn")
    assert Member.objects.get(pk=member.pk).status == "withdrawn"
    # Signed out: their data page asks them to sign in again.
    phone.goto("/me/data/")
    phone.wait_for_url(re.compile(r"/accounts/login/"))
