"""What the permission matrix (accounts/tests/test_permission_matrix.py) needs for the
volunteer endpoints: a project of the target org T (被测志愿项目) with a site, a team and a
shift next year that the matrix's member holds a place on, with a pending correction asked by
the platform operator; made on first use."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.volunteers import actions
from gonghui.volunteers.models import Certification, Correction, Project, Shift, Site, Team

TITLE = "被测志愿项目"
SITE = "被测服务地点"
TEAM = "被测志愿服务队"


def _at(hour: int) -> datetime:
    year = timezone.localdate().year + 1
    return datetime(year, 5, 1, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


def shift_of(ctx: Any) -> Shift:
    shift = getattr(ctx, "_volunteer_shift", None)
    if shift is None:
        operator = User.objects.filter(is_superuser=True).earliest("pk")
        site = actions.create_site(
            actor=operator,
            org=ctx.target,
            name=SITE,
            kind=Site.Kind.COMMUNITY,
            address="中关村东路1号",
        )
        team = actions.create_team(actor=operator, org=ctx.target, name=TEAM)
        project = actions.create_project(actor=operator, org=ctx.target, title=TITLE, publish=True)
        shift = actions.add_shift(
            actor=operator,
            project=project,
            site=site,
            team=team,
            group="第一组",
            tasks="清理垃圾",
            starts_at=_at(9),
            ends_at=_at(11),
            places=5,
        )
        actions.sign_up(member=ctx.member, shift=shift)
        ctx._volunteer_correction = actions.request_correction(
            actor=operator,
            shift=shift,
            member=ctx.member,
            arrived_at=_at(9),
            left_at=_at(11),
            reason="扫码失败",
        )
        ctx._volunteer_shift = shift
    return shift


def project_of(ctx: Any) -> Project:
    return shift_of(ctx).project


def team_of(ctx: Any) -> Team:
    team = shift_of(ctx).team
    assert team is not None
    return team


def correction_of(ctx: Any) -> Correction:
    shift_of(ctx)
    correction: Correction = ctx._volunteer_correction
    return correction


def after_shift(ctx: Any, path: str) -> str:
    shift_of(ctx)
    return path


def certified(ctx: Any) -> bool:
    return Certification.objects.filter(shift=shift_of(ctx), member=ctx.member).exists()


def batch(ctx: Any) -> dict[str, Any]:
    return {
        "device": "site-1",
        "items": [{"nonce": "v-1", "card": ctx.card, "scanned_at": _at(9).isoformat()}],
    }
