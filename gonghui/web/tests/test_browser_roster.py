"""A clerk finishes a messy roster alone, in a real browser: upload, read the problems,
download the annotated file, correct it (openpyxl, as Excel or WPS would), upload it again and
import every remaining good row."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from gonghui.core.tests.browser import axe_problems, sign_in_staff
from gonghui.members.models import Member
from gonghui.members.tests.factories import id_number

pytestmark = pytest.mark.browser


def choose_union(page: Page, label: str) -> None:
    """Pick the union on the import page by its visible name, in its searchable picker: type
    part of the name, then choose the suggestion."""
    box = page.get_by_role("combobox", name="导入到")
    box.fill("")
    box.press_sequentially(label[:4], delay=50)
    page.locator(f"#id_org_list [role=option][data-label='{label}']").click()
    expect(box).to_have_value(label)


def upload_roster(page: Page, union: str, name: str, content: bytes) -> None:
    page.goto("/staff/members/import/")
    choose_union(page, union)
    page.locator("input[name=file]").set_input_files(
        {
            "name": name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": content,
        }
    )
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("#job-status")).to_contain_text("等待确认")


def figure(page: Page, element_id: str) -> int:
    return int(page.locator(f"#{element_id}").inner_text().replace(",", ""))


def messy_roster() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "身份证号", "手机号", "学历"])
    refused_first = id_number(serial=3005)  # a man's, as the rows say
    sheet.append(["张三", "男", id_number(serial=3001), "13900000001", "高中"])  # 2: good
    sheet.append(["王芳", "女", id_number(serial=3003), "13900000002", "大专"])  # 3: warned
    sheet.append(["钱五", "男", refused_first, "1390000", "本科"])  # 4: mobile
    sheet.append(["钱五", "男", refused_first, "13900000004", "本科"])  # 5: repeats row 4
    sheet.append(["", "女", id_number(serial=3006), "13900000005", "高中"])  # 6: no name
    sheet.append(["赵六", "男", id_number(serial=3007), "13900000006", "幼儿园"])  # 7
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_clerk_corrects_the_annotated_file_and_imports_every_good_row(
    transactional_db, new_page, tree, make_staff, tmp_path: Path
):
    admin = make_staff(tree.zgc, name="刘文静")
    page = new_page(bypass_csp=True)  # for axe, injected from disk
    sign_in_staff(page, admin.username)

    upload_roster(page, "中关村科学城总工会", "会员信息采集表.xlsx", messy_roster())
    assert (figure(page, "valid-rows"), figure(page, "warned-rows")) == (2, 1)
    assert figure(page, "refused-rows") == 4
    expect(page.locator("#reasons")).to_contain_text("与本文件前面的行重复")
    problems = page.locator("#import-errors tbody tr")
    expect(problems).to_have_count(5)  # 4 errors, 1 warning
    page.locator("select[name=kind]").select_option("warning")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("身份证号为准")
    assert axe_problems(page) == []

    with page.expect_download() as download:
        page.locator("#annotated-file").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "会员信息采集表-问题.xlsx"

    book = load_workbook(path)
    sheet = book.active
    assert sheet["F1"].value == "问题"
    assert sheet["F4"].value.startswith("【错误】手机号：")
    assert sheet["F5"].value.startswith("【错误】身份证号：与本文件第 4 行的身份证号相同")
    sheet["D4"] = "13900000003"  # the clerk corrects what the 问题 column says
    sheet["A6"] = "孙小梅"
    sheet["E7"] = "初中"
    sheet.delete_rows(5)  # the repeated person goes
    corrected = io.BytesIO()
    book.save(corrected)

    upload_roster(page, "中关村科学城总工会", path.name, corrected.getvalue())
    assert (figure(page, "valid-rows"), figure(page, "refused-rows")) == (5, 0)
    page.get_by_role("button", name="导入 5 行有效数据").click()
    expect(page.locator("#job-status")).to_contain_text("已导入")
    assert sorted(Member.objects.filter(org=tree.zgc).values_list("name", flat=True)) == sorted(
        ["张三", "王芳", "钱五", "孙小梅", "赵六"]
    )
    assert Member.objects.get(name="王芳").gender == "M"  # the ID number decides
