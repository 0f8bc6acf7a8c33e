"""Fixtures for the learning tests: a course with a real audio lesson, members who sign in."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.learning import actions
from gonghui.learning.models import Course, Lesson
from gonghui.learning.synth import wav_bytes
from gonghui.members import actions as member_actions
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Org


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def audio(seconds: float = 10, *, seed: int = 0, name: str = "lesson.wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, wav_bytes(seconds, seed=seed), content_type="audio/wav")


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
def member(tree, make_member):
    return make_member(tree.station, name="王小明")


@pytest.fixture
def course(tree, operator) -> Course:
    return actions.create_course(
        actor=operator,
        org=tree.hlg,
        title="红色领队团微党课",
        audience="subtree",
        tags="微党课, 快递小哥",
        publish=True,
    )


@pytest.fixture
def lesson(course, operator) -> Lesson:
    """A 100-second audio lesson: seconds and per cent read alike."""
    return actions.add_lesson(
        actor=operator, course=course, title="第一课", kind="audio", media=audio(100)
    )
