"""A volunteer project to test with: 回龙观's union runs 幸福东社区 as a site, a team with a
leader, and shifts built through the real actions."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gonghui.accounts.models import User
from gonghui.members.models import Member
from gonghui.members.tests.factories import member_with_account, mobile
from gonghui.orgs.models import Org
from gonghui.volunteers import actions
from gonghui.volunteers.models import Project, Shift, Site, Team

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def volunteer(operator: User, org: Org, *, name: str = "周骑手") -> Member:
    """An active member with an account of their own (named like them), as after their first
    sign-in."""
    member = member_with_account(actor=operator, org=org, mobile=mobile(), name=name)
    User.objects.filter(member=member).update(name=member.name)
    member.refresh_from_db()
    return member


def user_of(member: Member) -> User:
    assert member.user is not None
    return member.user


@dataclass
class Setting:
    organiser: User
    project: Project
    site: Site
    other_site: Site
    team: Team


def setting(organiser: User, org: Org) -> Setting:
    site = actions.create_site(
        actor=organiser,
        org=org,
        name="幸福东社区",
        kind=Site.Kind.COMMUNITY,
        address="顺义区幸福东街1号",
        contact="社区居委会 010-6944 0000",
    )
    other = actions.create_site(
        actor=organiser, org=org, name="裕龙花园", kind=Site.Kind.COMMUNITY, address="裕龙街2号"
    )
    team = actions.create_team(actor=organiser, org=org, name="区总工会志愿服务队")
    project = actions.create_project(
        actor=organiser, org=org, title="月末清洁日", publish=True, cutoff_hours=24
    )
    return Setting(organiser, project, site, other, team)


def shift(
    s: Setting,
    starts_at: datetime,
    ends_at: datetime,
    *,
    places: int = 10,
    group: str = "第一组",
    site: Site | None = None,
) -> Shift:
    return actions.add_shift(
        actor=s.organiser,
        project=s.project,
        site=site or s.site,
        group=group,
        tasks="清理垃圾、垃圾桶值守",
        starts_at=starts_at,
        ends_at=ends_at,
        places=places,
        team=s.team,
    )
