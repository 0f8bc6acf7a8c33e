"""What people see in a real browser: staff scoping, the htmx org search, the phone home page
in Chinese with real CJK glyphs, the worker's SMS sign-in and the language switch.

Run on their own with `pytest -m browser`. They drive Debian's Chromium through Playwright
against pytest-django's live server (see gonghui/core/tests/browser.py).
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gonghui.core.tests.browser import sign_in_staff
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import OrgKind

pytestmark = pytest.mark.browser

# What the zh-hans catalog (gonghui/locale/zh_Hans/LC_MESSAGES/django.po) makes of the
# English source strings a user meets in these tests.
HOME_HEADING_EN = "The union is by your side"
HOME_HEADING_ZH = "工会就在您身边"
WRONG_CODE_ZH = "验证码不正确。"
ENTER_CODE_ZH = "输入验证码"
CODE_SENT_ZH = "六位验证码已发送至 138****8000。"
MY_ACCOUNT_ZH = "我的账号"

ARTIFACTS_DIR = Path(__file__).resolve().parents[3] / "test-artifacts"
CJK = re.compile(r"[\u4e00-\u9fff]")
# The out-of-scope part of the fixture tree, for a street-union staff member at 回龙观.
OTHER_SUBTREES = ("海淀区总工会", "中关村科学城总工会", "搜狐集团（北京）工会", "德胜街道总工会")


def assert_nothing_of(html: str, names: tuple[str, ...]) -> None:
    leaked = [name for name in names if name in html]
    assert leaked == [], f"out-of-scope organisations on the page: {leaked}"


def test_street_staff_sees_only_their_own_subtree(transactional_db, page, tree, make_staff):
    staff = make_staff(tree.hlg)
    sign_in_staff(page, staff.username)

    page.locator("nav.sidebar a[href='/staff/orgs/']").click()
    page.wait_for_url(re.compile(r"/staff/orgs/$"))
    results = page.locator("#results")
    expect(results.locator("ul.tree > li > details > summary a")).to_have_text(["回龙观街道总工会"])
    station = results.get_by_role("link", name="龙泽园驿站", exact=True)
    expect(station).to_be_hidden()

    # Expanding the street union loads the units below it (htmx, on the details toggle).
    results.locator("details > summary small").first.click()
    expect(station).to_be_visible()
    expect(results.locator(".subtree a")).to_have_text(["龙泽园驿站"])
    assert_nothing_of(page.content(), OTHER_SUBTREES)

    for other in (tree.zgc, tree.desheng):
        for url in (f"/staff/orgs/{other.pk}/", f"/staff/orgs/{other.pk}/children/"):
            response = page.goto(url)
            assert response is not None
            assert response.status == 404, url
            assert_nothing_of(page.content(), OTHER_SUBTREES)

    # The staff member's own organisation still opens.
    response = page.goto(f"/staff/orgs/{tree.hlg.pk}/")
    assert response is not None
    assert response.status == 200
    expect(page.locator("main h1")).to_have_text("回龙观街道总工会")


def test_org_search_updates_in_place_and_stays_in_scope(
    transactional_db, page, tree, operator, make_staff
):
    # A station outside the staff member's subtree that the search term also matches.
    create_org(actor=operator, parent=tree.desheng, name="德胜门驿站", kind=OrgKind.STATION)
    staff = make_staff(tree.hlg)
    sign_in_staff(page, staff.username)
    page.goto("/staff/orgs/")
    page.evaluate("window.__sameDocument = true")

    page.locator("input[name=q]").press_sequentially("驿站")

    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").first).to_have_text("龙泽园驿站")
    expect(rows.locator("td").nth(2)).to_have_text("回龙观街道总工会")
    # htmx swapped the results into the same document and pushed the search into the URL.
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"/staff/orgs/\?q=%E9%A9%BF%E7%AB%99"))
    assert_nothing_of(page.content(), ("德胜门驿站", *OTHER_SUBTREES))


GLYPH_PROBE = """
async (samples) => {
  await document.fonts.ready;
  const style = getComputedStyle(document.body);
  const width = 240, height = 80;
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = "#000";
    ctx.font = `48px ${style.fontFamily}`;
    ctx.textBaseline = "top";
    ctx.fillText(text, 8, 8);
    return {font: ctx.font, pixels: ctx.getImageData(0, 0, width, height).data};
  };
  const drawn = Object.fromEntries(samples.map((text) => [text, draw(text)]));
  const ink = (pixels) => {
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) n++;
    return n;
  };
  const differ = (a, b) => {
    let n = 0;
    for (let i = 0; i < a.length; i += 4) {
      if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
    }
    return n;
  };
  const [cjk, missing, first, second] = samples.map((text) => drawn[text].pixels);
  return {
    family: style.fontFamily,
    font: drawn[samples[0]].font,
    ink: Object.fromEntries(samples.map((text) => [text, ink(drawn[text].pixels)])),
    cjkVsMissing: differ(cjk, missing),
    firstVsSecond: differ(first, second),
  };
}
"""


def test_member_home_on_a_phone_is_chinese_with_real_glyphs(transactional_db, phone_page):
    page = phone_page
    response = page.goto("/")
    assert response is not None
    assert response.status == 200

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    heading = page.locator("main h1")
    expect(heading).to_have_text(HOME_HEADING_ZH)
    assert CJK.search(heading.inner_text())
    # The phone layout: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Missing glyphs would all draw as the same box: "工会" would look like two unknown
    # code points, and "工" like "会".
    probe = page.evaluate(GLYPH_PROBE, ["工会", "\U0010fffd\U0010fffd", "工", "会"])
    assert probe["font"] != "10px sans-serif", f"canvas did not take the page font: {probe}"
    assert probe["ink"]["工会"] > 0, probe
    assert probe["ink"]["工"] > 0, probe
    assert probe["ink"]["会"] > 0, probe
    assert probe["cjkVsMissing"] > 0, f"工会 renders like missing glyphs: {probe}"
    assert probe["firstVsSecond"] > 0, f"工 and 会 render alike (tofu): {probe}"

    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / "member-home-phone.png", full_page=True)


def test_worker_signs_in_on_a_phone_with_an_sms_code(transactional_db, phone_page, sms_outbox):
    page = phone_page
    page.goto("/")
    page.locator("main a.button.block[href='/accounts/login/']").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    # Typed with full-width digits, as some Chinese input methods produce them.
    page.locator("input[name=mobile]").press_sequentially("１３８００１３８０００")
    page.locator("main form.form button").click()

    code_input = page.locator("input[name=code]")
    expect(code_input).to_be_visible()
    expect(page.locator("main h1")).to_have_text(ENTER_CODE_ZH)
    expect(page.locator("main h1 + p")).to_have_text(CODE_SENT_ZH)
    assert len(sms_outbox) == 1
    assert sms_outbox[0].mobile == "13800138000"
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms_outbox[0].text)
    assert len(found) == 1, sms_outbox[0].text
    code = found[0]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    code_input.fill(wrong)
    page.locator("main form.form button").click()
    expect(page.locator("main .errors[role=alert]")).to_have_text(WRONG_CODE_ZH)
    assert "/me/" not in page.url

    page.locator("input[name=code]").fill(code)
    page.locator("main form.form button").click()
    page.wait_for_url(re.compile(r"/me/$"))
    expect(page.locator("main h1")).to_have_text(MY_ACCOUNT_ZH)
    expect(page.locator("main dl.facts")).to_contain_text("138****8000")
    html = page.content()
    assert "13800138000" not in html
    assert "１３８００１３８０００" not in html


def test_language_switch_between_chinese_and_english(transactional_db, phone_page):
    page = phone_page
    page.goto("/")
    heading = page.locator("main h1")
    expect(heading).to_have_text(HOME_HEADING_ZH)

    page.get_by_role("button", name="English", exact=True).click()
    expect(heading).to_have_text(HOME_HEADING_EN)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(heading).to_have_text(HOME_HEADING_EN)

    page.get_by_role("button", name="中文", exact=True).click()
    expect(heading).to_have_text(HOME_HEADING_ZH)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
