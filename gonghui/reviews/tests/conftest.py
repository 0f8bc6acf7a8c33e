"""Fixtures for the review mechanism: a call with a rubric, members who sign in, jurors."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org
from gonghui.reviews import actions
from gonghui.reviews.models import Call


@pytest.fixture
def make_member(operator) -> Callable[..., Member]:
    def make(org: Org, **overrides: Any) -> Member:
        member = member_actions.import_member(
            actor=operator, org=org, joined_on=timezone.localdate(), **person(**overrides)
        )
        user = User.objects.create_user(None, None, mobile=str(member.mobile))
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
        return member

    return make


@pytest.fixture
def make_call(operator) -> Callable[..., Any]:
    def make(org: Org, **overrides: Any) -> Call:
        now = timezone.now()
        values: dict[str, Any] = {
            "kind": "wuxiao",
            "title": "五小成果征集",
            "description": "小发明、小创造、小革新、小设计、小建议",
            "submissions_open": now - timedelta(days=1),
            "submissions_close": now + timedelta(days=7),
            "review_closes": now + timedelta(days=14),
            "results_on": (now + timedelta(days=20)).date(),
            "categories": (("invention", "小发明"), ("suggestion", "小建议")),
            "attachment_kinds": ("photo", "document", "video"),
            "max_attachment_bytes": 2 * 1024 * 1024,
        }
        values.update(overrides)
        call = actions.create_call(actor=operator, org=org, details=actions.CallDetails(**values))
        actions.set_rubric(
            actor=operator,
            call=call,
            criteria=[
                actions.CriterionSpec("技术水平", weight=30, max_score=10),
                actions.CriterionSpec("经济效益", weight=30, max_score=10),
                actions.CriterionSpec("推广范围", weight=20, max_score=10),
                actions.CriterionSpec("实用性", weight=20, max_score=10),
            ],
        )
        return call

    return make


@pytest.fixture
def call(tree, make_call) -> Call:
    made: Call = make_call(tree.root)
    return made


@pytest.fixture
def entry_of(operator) -> Callable[..., Any]:
    def make(member: Member, call: Call, title: str = "便携式电工测试仪") -> Any:
        assert member.user is not None
        return actions.save_entry(
            actor=member.user,
            member=member,
            call=call,
            details=actions.EntryDetails(title=title, summary="一句话说明", category="invention"),
            submit=True,
        )

    return make
