"""Text hygiene (core/text.py): the formula rule, names and free text, and that imports,
exports, forms and the API all apply it."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gonghui.core.errors import DomainError
from gonghui.core.models import ImportJob
from gonghui.core.tests.importing import errors_of
from gonghui.core.text import (
    free_text_problem,
    looks_like_formula,
    name_problem,
    spreadsheet_text,
)
from gonghui.members import actions
from gonghui.members.forms import JoinForm
from gonghui.members.models import Application
from gonghui.members.tests.factories import id_number, mobile, person
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import OrgKind

FORMULA_NAME = (
    "A name cannot start with “=”, “+”, “-” or “@”: a spreadsheet would run it as a formula."
)


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("+1+1", True),
        ("-1+1", True),
        ("@SUM(A1)", True),
        ("\t=1+1", True),
        ("\rx", True),
        (" =1+1", True),
        ("' =1+1", True),
        ("\"=cmd|' /C calc'!A0", True),
        ("＝1+1", True),  # full-width, as NFKC folds it
        ("＋86", False),  # …and a full-width signed number is still a number
        ("-5", False),
        ("-3.5%", False),
        ("+86 139 1000 0002", False),
        ("-", False),
        ("李小红", False),
        ("a-b", False),
        ("", False),
    ],
)
def test_what_a_spreadsheet_would_run_as_a_formula(text, formula):
    assert looks_like_formula(text) is formula
    assert spreadsheet_text(text) == ("'" + text if formula else text)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("阿卜杜·热合曼", None),
        ("李 小红", None),
        ("O'Brien", None),
        ("Jean-Luc", None),
        ("+李小红", FORMULA_NAME),
        ("@李小红", FORMULA_NAME),
        ("-李小红", FORMULA_NAME),
        ("'=李小红", FORMULA_NAME),
        ("<b>李小红</b>", "A name cannot hold “<” or “>”."),
        (
            "李\u202e红",
            "A name cannot hold the invisible or control character U+202E RIGHT-TO-LEFT OVERRIDE.",
        ),
        ("李\x00红", "A name cannot hold the invisible or control character U+0000."),
        (
            "李\u200b红",
            "A name cannot hold the invisible or control character U+200B ZERO WIDTH SPACE.",
        ),
        (
            "李小红2",
            "A person's name holds letters only, with · between the parts of a minority or "
            "foreign name; remove “2”.",
        ),
    ],
)
def test_person_names(name, problem, english):
    assert name_problem(name, person=True) == problem


def test_free_text_keeps_line_breaks_a_leading_dash_and_emoji(english):
    assert free_text_problem("- 第一条\r\n- 第二条\t完") is None
    assert free_text_problem("👨\u200d👩\u200d👧 家庭日") is None  # a ZWJ sequence is an emoji
    assert free_text_problem("两行\n文字", multiline=False) == "This text must fit on one line."
    assert free_text_problem("文字\x1b[31m") == (
        "The text holds the invisible or control character U+001B; remove it."
    )
    assert free_text_problem("abc\u202edcba") == (
        "The text holds the invisible or control character U+202E RIGHT-TO-LEFT OVERRIDE; "
        "remove it."
    )


def test_roster_names_that_a_spreadsheet_would_run_or_that_hide_characters_are_refused(
    tree, make_staff, django_capture_on_commit_callbacks, english
):
    names = ["+李小红", "@李小红", "-李小红", "'=李小红", "\t=李小红", "<b>李</b>", "李\x07红"]
    lines = ["姓名,身份证号,手机号,工作单位"]
    lines += [f"{name},{id_number()},{mobile()},顺丰速运" for name in names]
    lines.append(f"阿卜杜·热合曼,{id_number()},{mobile()},=1+1")  # a formula in a text cell
    lines.append(f"阿卜杜·热合曼,{id_number()},{mobile()},顺丰速运")
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_roster_import(
            actor=make_staff(tree.zgc),
            org=tree.zgc,
            upload=SimpleUploadedFile("名单.csv", "\n".join(lines).encode()),
        )
    job.refresh_from_db()
    assert (job.status, job.valid_rows) == (ImportJob.Status.CHECKED, 1)
    starts = "This cell starts with “%s”, which a spreadsheet would run as a formula; remove it "
    starts += "or enter the value itself."
    assert [(e["row"], e["message"]) for e in errors_of(job)] == [
        (2, starts % "+"),
        (3, starts % "@"),
        (4, starts % "-"),
        (5, starts % "="),
        (6, starts % "="),
        (7, "A name cannot hold “<” or “>”."),
        (8, "The text holds the invisible or control character U+0007; remove it."),
        (9, "This cell holds a formula; enter the value itself."),
    ]


def test_the_join_form_and_the_api_refuse_the_same_names(tree, operator, english):
    form = JoinForm(data={"token": "t", "consent_version": "v", "name": "=HYPERLINK(1)"})
    form.is_valid()
    assert form.errors["name"] == [FORMULA_NAME]
    now = timezone.now()
    event = actions.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=None,
        title="双沟通活动",
        place="搜狐媒体大厦",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )
    answer = Client().post(
        f"/api/v1/join/{event.code}",
        json.dumps(
            {
                **person(name="@李小红"),
                "consent": True,
                "consent_version": settings.CONSENT_VERSION,
            }
        ),
        content_type="application/json",
        headers={"Accept-Language": "en", "Idempotency-Key": "k"},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "code": "invalid_name",
        "message": FORMULA_NAME,
        "fields": {"name": [FORMULA_NAME]},
    }
    assert not Application.objects.exists()


def test_an_org_name_with_a_bidi_override_is_refused(tree, operator, english):
    with pytest.raises(DomainError) as refused:
        create_org(actor=operator, parent=tree.zgc, name="搜狐\u202e会工", kind=OrgKind.ENTERPRISE)
    assert refused.value.code == "unsafe_text"
    assert refused.value.fields == {
        "name": [
            "A name cannot hold the invisible or control character U+202E RIGHT-TO-LEFT OVERRIDE."
        ]
    }
