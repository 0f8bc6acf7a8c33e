"""In a real browser, on the demo data: 中关村's administrator finds 搜狐集团（北京）工会 in the
roster import's union picker by typing 搜狐, with the keyboard only, and the upload goes to it.
The demo has more unions under 中关村 than the old select listed (it stopped at 500).

Run on its own with `pytest -m browser`."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gonghui.core.models import ImportJob
from gonghui.core.tests.browser import axe_problems, sign_in_staff
from gonghui.demo.load import load_demo
from gonghui.demo.logins import DEMO_PASSWORD
from gonghui.members.tests.factories import id_number, mobile
from gonghui.orgs.models import Org

pytestmark = pytest.mark.browser


def test_the_import_picker_finds_sohu_by_typing_and_posts_it(transactional_db, new_page):
    load_demo()
    zgc = Org.objects.get(name="中关村科学城总工会")
    sohu = Org.objects.get(name="搜狐集团（北京）工会")
    assert Org.objects.filter(path__startswith=zgc.path).count() > 500

    page = new_page(bypass_csp=True)  # axe is injected from the test's disk
    sign_in_staff(page, "zgc_admin", DEMO_PASSWORD)
    page.goto(reverse("members:roster_import"))
    box = page.get_by_role("combobox", name="导入到")
    expect(box).to_have_value("中关村科学城总工会")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.fill("")
    box.press_sequentially("搜狐", delay=50)
    options = page.locator("#id_org_list [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    labels = options.evaluate_all("nodes => nodes.map(n => n.dataset.label)")
    assert "搜狐集团（北京）工会" in labels
    assert all("搜狐" in label for label in labels)
    assert axe_problems(page) == []

    # Down to 搜狐集团（北京）工会 with the arrow keys, then Enter.
    for _ in range(labels.index("搜狐集团（北京）工会") + 1):
        box.press("ArrowDown")
    active = page.locator("#id_org_list [aria-selected=true]")
    expect(active).to_have_attribute("data-label", "搜狐集团（北京）工会")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(r"^id_org_list_\d+$"))
    box.press("Enter")
    expect(box).to_have_value("搜狐集团（北京）工会")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("input[name=org]")).to_have_value(str(sohu.pk))
    assert ImportJob.objects.count() == 0  # Enter chose; it did not submit the form

    # Escape closes the suggestions and keeps what was typed.
    box.press("End")
    box.press_sequentially("x", delay=50)
    box.press("Backspace")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("搜狐集团（北京）工会")
    assert axe_problems(page) == []

    roster = f"姓名,身份证号,手机号\n王测试,{id_number()},{mobile()}\n".encode()
    page.locator("input[type=file]").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": roster}
    )
    page.locator("main form.form button").click()
    page.wait_for_url(re.compile(r"/staff/imports/\d+/"))
    job = ImportJob.objects.get()
    assert (job.kind, job.org) == ("members", sohu)

    # The recruitment form has two pickers (union, enterprise): both work side by side.
    page.goto(reverse("members:event_create"))
    assert axe_problems(page) == []
    enterprise = page.get_by_role("combobox", name=re.compile("企业"))
    enterprise.press_sequentially("搜狐", delay=50)
    first = page.locator("#id_enterprise_list [role=option]").first
    expect(first).to_contain_text("搜狐")
    enterprise.press("ArrowDown")
    enterprise.press("Enter")
    expect(page.locator("input[name=enterprise]")).not_to_have_value("")
    expect(page.get_by_role("combobox", name="接收工会")).to_have_value("中关村科学城总工会")
    assert axe_problems(page) == []
