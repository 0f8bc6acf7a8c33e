"""Demo innovation: the seed's three stories on the one review mechanism.

- 工匠精神 call for papers at 中关村科学城总工会 (研讨、论文征集、“创新工匠”评选): members of
  its enterprise unions submit papers; three outside experts score them blind on a four-line
  rubric; the best are awarded, the rest accepted or not, each decision with its reason.
- 创新工匠 selection: enterprise unions under 中关村 nominate craftsmen; the jury scores them,
  the top five are shortlisted, and a public vote (网络投票) of 中关村's members, weights
  jury 70 % and vote 30 % published before it opened, ran for ten days. A burst of ballots
  from one network was set aside with its reason, and the result was published with its
  hash-chained tally log.
- 五小 at 北京公交集团保修分公司一厂: the twelve results of the plant's showcase (便携式汽车电器
  检测电源、充电座端子定位器、风炮消音器 among them), each with a photo, scored by the plant's
  committee and shown in the public showcase with their awards.

Everything goes through the review actions, at the time of loading; the calls' dates are then
set to when the story happened (as the activities demo backdates its publications), and the
ballots are cast at their historic minutes through `cast_ballot(at=…)`, so the tally log's
hashes cover the times it shows.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.demo.activities import BUS_PLANT_UNION, Scene, _picture
from gonghui.demo.enterprises import ZGC
from gonghui.innovation import kinds
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.reviews import actions
from gonghui.reviews.models import Call, Poll, Submission
from gonghui.reviews.queries import ballots_with_signal, jury_ranking, suspect_groups

SEED = 20261207
YEAR = 2026

PAPERS = [
    (
        "以工匠精神推动高科技企业研发质量提升",
        "从代码评审到测试左移，谈研发一线如何把“精益求精”落到流程里。",
    ),
    (
        "新就业形态劳动者技能成长路径研究",
        "基于区域内外卖、快递骑手的访谈，提出技能等级与职业发展通道建议。",
    ),
    ("工会如何参与企业技术创新激励", "梳理合理化建议、技术攻关和成果奖励三种机制的做法与成效。"),
    ("数字化车间中的班组创新实践", "以一条智能产线为例，总结班组“微创新”的组织方式。"),
    ("职工创新工作室建设的经验与问题", "调研12家企业的创新工作室，分析场地、经费与人才梯队。"),
    ("从师带徒到项目制：技能传承的新模式", "比较传统师带徒与项目制培养在高科技企业中的效果。"),
    ("工匠精神与企业文化融合的路径", "通过案例说明企业文化建设如何吸收工匠精神的内涵。"),
    ("青年工程师的创新动力调查", "问卷覆盖600名青年工程师，分析激励因素与障碍。"),
    ("软件测试岗位的“匠心”修炼", "一线测试工程师谈质量意识与工具改进。"),
    ("工会服务平台赋能职工创新", "介绍会员服务平台汇聚区域创新成果的做法。"),
]
NOMINEES = [
    ("李国栋", "高速存储控制器固件攻关能手", "主导固件重构，产品故障率下降四成。"),
    ("周敏", "智能客服算法优化带头人", "带领小组优化意图识别，服务响应效率大幅提升。"),
    ("赵志刚", "精密装配工艺革新能手", "改进装配夹具7项，年节约工时3000余小时。"),
    ("孙丽娜", "测试自动化平台建设者", "搭建自动化测试平台，回归测试周期由5天缩短到1天。"),
    ("吴强", "数据中心节能改造能手", "提出冷通道封闭改造方案，年节电约80万千瓦时。"),
    ("郑海燕", "用户体验设计创新者", "主持适老化界面改造，获用户广泛好评。"),
    ("王磊", "网络安全攻防技术骨干", "组织攻防演练20余次，发现并修复高危漏洞。"),
    ("陈静", "供应链质量改进能手", "推动供应商质量协同，来料不良率下降一半。"),
]
# The plant's 10余项 results: the seed's three first.
WUXIAO = [
    (
        "便携式汽车电器检测电源",
        "invention",
        "一台手提式电源即可检测车灯、喇叭、雨刮等电器，免去整车通电。",
    ),
    (
        "充电座端子定位器",
        "creation",
        "为纯电动公交车充电座端子维修定做的定位工装，一次对准，防止端子损伤。",
    ),
    ("风炮消音器", "improvement", "给气动扳手加装消音套，车间噪声明显降低，保护职工听力。"),
    ("轮毂螺栓快速拆装架", "invention", "拆装轮毂时托住螺栓，减少弯腰作业。"),
    ("空调滤网清洗架", "design", "可同时清洗8片滤网的支架，清洗时间减半。"),
    ("刹车片厚度量规", "creation", "卡入即读数的量规，检查刹车片磨损不用拆轮。"),
    ("蓄电池搬运小车", "design", "低底盘搬运车，一人即可安全搬运大容量蓄电池。"),
    ("车门气泵检测台", "improvement", "把车门气泵搬到台架上检测，故障复现更方便。"),
    ("维修工位LED移动照明", "invention", "磁吸式移动灯带，地沟作业照明更充足。"),
    ("油液回收接油盘改进", "improvement", "加高挡边并加装导流口，换油时不再洒漏。"),
    ("关于优化备件领用流程的建议", "suggestion", "按车型预配备件包，减少往返库房次数。"),
    ("关于地沟防滑的建议", "suggestion", "地沟台阶加装防滑条并涂刷警示色。"),
]
PAPER_RUBRIC = [
    actions.CriterionSpec(
        "选题价值", weight=30, max_score=10, description="问题是否重要、贴近一线"
    ),
    actions.CriterionSpec("论证质量", weight=30, max_score=10, description="材料翔实、推理严谨"),
    actions.CriterionSpec("创新性", weight=20, max_score=10, description="观点或做法是否新颖"),
    actions.CriterionSpec("可推广性", weight=20, max_score=10, description="能否在其他企业推广"),
]
CRAFTSMAN_RUBRIC = [
    actions.CriterionSpec("技术水平", weight=30, max_score=10, description="技术难度与创新程度"),
    actions.CriterionSpec("经济效益", weight=30, max_score=10, description="年效益≥50万元为高档"),
    actions.CriterionSpec(
        "推广范围", weight=20, max_score=10, description="在本单位、行业推广情况"
    ),
    actions.CriterionSpec("传帮带", weight=20, max_score=10, description="带徒与团队培养"),
]
WUXIAO_RUBRIC = [
    actions.CriterionSpec("技术水平", weight=30, max_score=10),
    actions.CriterionSpec("经济效益", weight=30, max_score=10),
    actions.CriterionSpec("推广范围", weight=20, max_score=10),
    actions.CriterionSpec("实用性", weight=20, max_score=10),
]
VOTERS = 160
BRUSHED = 16  # ballots from one network in one burst, set aside


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def _accounts(members: list[Member], prefix: str) -> list[Member]:
    """Give members without an account one (as if they had signed in once), in one write."""
    missing = [m for m in members if m.user_id is None]
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{m.pk}", name=m.name, password=make_password(None))
            for m in missing
        ]
    )
    for member, user in zip(missing, users, strict=True):
        member.user = user
    Member.objects.bulk_update(missing, ["user"])
    return members


def _jurors(names: list[str], prefix: str) -> list[User]:
    return [
        User.objects.create_user(f"{prefix}{n}", None, name=name)
        for n, name in enumerate(names, start=1)
    ]


def _open_now(org: Org, actor: User, kind: str, title: str, **extra: object) -> Call:
    now = timezone.now()
    return actions.create_call(
        actor=actor,
        org=org,
        details=actions.CallDetails(
            kind=kind,
            title=title,
            submissions_open=now - timedelta(minutes=5),
            submissions_close=now + timedelta(days=1),
            review_closes=now + timedelta(days=2),
            results_on=timezone.localdate(now),
            **extra,  # type: ignore[arg-type]  # the demo passes CallDetails' own fields
        ),
    )


def _score_all(
    call: Call,
    actor: User,
    jurors: list[User],
    per_entry: int,
    rng: random.Random,
    bias: dict[int, float],
) -> None:
    """Balanced assignment, then every juror scores: a juror's own hand (lenient or harsh)
    on top of the entry's merit, which the z-scores take out again."""
    actions.start_review(actor=actor, call=call)
    actions.assign_balanced(actor=actor, call=call, jurors=jurors, per_entry=per_entry)
    criteria = list(call.rubrics.order_by("-version").first().criteria.all())  # type: ignore[union-attr]  # set above
    hand = {j.pk: rng.choice([-1.5, -0.5, 0.0, 0.5, 1.5]) for j in jurors}
    for entry in call.submissions.filter(status=Submission.Status.SUBMITTED).order_by("id"):
        for assignment in entry.assignments.select_related("reviewer").order_by("id"):
            values = {
                c.pk: max(
                    c.min_score,
                    min(
                        c.max_score,
                        round(bias[entry.pk] + hand[assignment.reviewer_id] + rng.uniform(-1, 1)),
                    ),
                )
                for c in criteria
            }
            actions.score_entry(
                actor=assignment.reviewer,
                assignment=assignment,
                values=values,
                comment=rng.choice(
                    [
                        "思路清楚，建议推广。",
                        "材料扎实。",
                        "效果明显，可进一步量化效益。",
                        "有新意。",
                    ]
                ),
            )


def _backdate(
    call: Call,
    *,
    opens: date,
    closes: date,
    review_started: date,
    review_closes: date,
    results: date,
) -> None:
    Call.objects.filter(pk=call.pk).update(
        submissions_open=_at(opens, 9),
        submissions_close=_at(closes, 18),
        review_started_at=_at(review_started, 9),
        review_closes=_at(review_closes, 18),
        results_on=results,
    )
    entries = Submission.objects.filter(call=call)
    for n, entry in enumerate(entries.order_by("id")):
        moment = _at(
            opens + timedelta(days=1 + n % max(1, (closes - opens).days - 1)),
            10 + n % 8,
            (7 * n) % 60,
        )
        Submission.objects.filter(pk=entry.pk).update(created_at=moment, submitted_at=moment)
    entries.exclude(decision="").update(decided_at=_at(results, 10))


def _papers(zgc_admin: User, zgc: Org, authors: list[Member], rng: random.Random) -> Call:
    call = _open_now(
        zgc,
        zgc_admin,
        kinds.PAPER,
        "“工匠精神”主题论文征集",
        description="中关村科学城总工会面向区域企业职工征集“工匠精神”主题论文，优秀论文在研讨会上交流。",
        attachment_kinds=("document",),
        anonymous_review=True,
    )
    actions.set_rubric(actor=zgc_admin, call=call, criteria=PAPER_RUBRIC)
    merit: dict[int, float] = {}
    for (title, summary), author in zip(PAPERS, authors, strict=False):
        assert author.user is not None
        entry = actions.save_entry(
            actor=author.user,
            member=author,
            call=call,
            details=actions.EntryDetails(title=title, summary=summary),
            submit=True,
        )
        merit[entry.pk] = rng.uniform(5, 9)
    jurors = _jurors(["韩教授", "刘研究员", "马高工"], "paper_juror_")
    _score_all(call, zgc_admin, jurors, 3, rng, merit)
    levels = ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖"]
    for row in jury_ranking(call):
        if row.rank <= len(levels):
            actions.decide(
                actor=zgc_admin,
                entry=row.entry,
                decision="awarded",
                award_level=levels[row.rank - 1],
                reason=f"评审综合排名第{row.rank}",
            )
        elif row.rank <= 8:
            actions.decide(
                actor=zgc_admin,
                entry=row.entry,
                decision="accepted",
                reason="论文录用，收入研讨会文集",
            )
        else:
            actions.decide(
                actor=zgc_admin, entry=row.entry, decision="rejected", reason="论证尚不充分，未录用"
            )
    _backdate(
        call,
        opens=date(YEAR, 6, 1),
        closes=date(YEAR, 7, 31),
        review_started=date(YEAR, 8, 3),
        review_closes=date(YEAR, 8, 31),
        results=date(YEAR, 9, 18),
    )
    return call


def _craftsmen(
    zgc_admin: User,
    zgc: Org,
    units: list[Org],
    voters: list[Member],
    brushers: list[Member],
    rng: random.Random,
) -> Call:
    call = _open_now(
        zgc,
        zgc_admin,
        kinds.CRAFTSMAN,
        f"{YEAR}年中关村科学城“创新工匠”评选",
        description="由企业工会推荐，专家评审与职工网络投票相结合，评选“创新工匠”。",
        audience=Call.Audience.UNITS,
        attachment_kinds=("photo", "document"),
    )
    actions.set_rubric(actor=zgc_admin, call=call, criteria=CRAFTSMAN_RUBRIC)
    merit: dict[int, float] = {}
    for (name, title, summary), unit in zip(NOMINEES, units, strict=False):
        entry = actions.nominate(
            actor=zgc_admin,
            call=call,
            unit=unit,
            details=actions.EntryDetails(title=title, summary=summary, nominee=name),
        )
        merit[entry.pk] = rng.uniform(5, 9.5)
    jurors = _jurors(
        ["专家组 王工", "专家组 李工", "劳模代表 张师傅", "媒体代表 赵记者", "工会代表 钱主席"],
        "craft_juror_",
    )
    _score_all(call, zgc_admin, jurors, 3, rng, merit)
    ranked = jury_ranking(call)
    for row in ranked:
        if row.rank <= 5:
            actions.decide(
                actor=zgc_admin,
                entry=row.entry,
                decision="shortlisted",
                reason=f"专家评审第{row.rank}名，入围网络投票",
            )
        else:
            actions.decide(
                actor=zgc_admin,
                entry=row.entry,
                decision="accepted",
                reason="专家评审未进入前五，获提名奖",
            )
    opens, closes = _at(date(YEAR, 11, 10), 9), _at(date(YEAR, 11, 20), 18)
    poll = actions.create_poll(
        actor=zgc_admin,
        call=call,
        electorate_org=zgc,
        title="“创新工匠”网络投票",
        opens_at=opens,
        closes_at=closes,
        jury_weight=70,
        vote_weight=30,
    )
    poll = actions.open_poll(actor=zgc_admin, poll=poll)
    Poll.objects.filter(pk=poll.pk).update(frozen_at=opens)
    candidates = list(poll.candidates.order_by("position"))
    taste = [rng.uniform(0.5, 3) for _ in candidates]
    span = (closes - opens).total_seconds()
    moments = sorted(opens + timedelta(seconds=rng.uniform(0, span * 0.95)) for _ in voters)
    for n, (voter, moment) in enumerate(zip(voters, moments, strict=True)):
        assert voter.user is not None
        choice = rng.choices(candidates, weights=taste)[0]
        actions.cast_ballot(
            actor=voter.user,
            member=voter,
            poll=poll,
            candidate=choice,
            at=moment,
            signals=actions.Signals(
                ip=f"10.{n % 200}.{n % 7}.{n % 250}", device=f"phone-{voter.pk}"
            ),
        )
    # The burst: the last BRUSHED voters, all for one candidate, from one network within minutes.
    burst_start = closes - timedelta(hours=3)
    for n, voter in enumerate(brushers):
        assert voter.user is not None
        actions.cast_ballot(
            actor=voter.user,
            member=voter,
            poll=poll,
            candidate=candidates[-1],
            at=burst_start + timedelta(seconds=20 * n),
            signals=actions.Signals(ip="172.16.8.8", device="emulator"),
        )
    burst = next(g for g in suspect_groups(poll) if g.signal == "network")
    actions.quarantine_ballots(
        actor=zgc_admin,
        poll=poll,
        ballots=ballots_with_signal(poll, "network", burst.value),
        reason="同一网络3小时内集中投出16票，设备标识相同，疑似刷票",
    )
    poll = actions.close_poll(actor=zgc_admin, poll=poll)
    poll = actions.publish_result(actor=zgc_admin, poll=poll)
    Poll.objects.filter(pk=poll.pk).update(published_at=_at(date(YEAR, 11, 25), 10))
    for n, row in enumerate(poll.result["candidates"], start=1):
        entry = Submission.objects.get(pk=row["entry"])
        if n <= 3:
            actions.decide(
                actor=zgc_admin,
                entry=entry,
                decision="awarded",
                award_level="创新工匠",
                reason=f"综合得分第{n}名（专家70%、网络投票30%）",
            )
    _backdate(
        call,
        opens=date(YEAR, 9, 1),
        closes=date(YEAR, 9, 30),
        review_started=date(YEAR, 10, 8),
        review_closes=date(YEAR, 10, 31),
        results=date(YEAR, 11, 25),
    )
    return call


def _wuxiao(actor: User, plant: Org, authors: list[Member], rng: random.Random) -> Call:
    call = _open_now(
        plant,
        actor,
        kinds.WUXIAO,
        "一厂“五小”创新项目成果征集",
        description="征集车辆保修一线的小发明、小创造、小革新、小设计、小建议，优秀成果在职工之家集中展示。",
        categories=kinds.WUXIAO_CATEGORIES,
        attachment_kinds=("photo", "document", "video"),
    )
    actions.set_rubric(actor=actor, call=call, criteria=WUXIAO_RUBRIC)
    merit: dict[int, float] = {}
    for n, ((title, category, summary), author) in enumerate(zip(WUXIAO, authors, strict=False)):
        assert author.user is not None
        entry = actions.save_entry(
            actor=author.user,
            member=author,
            call=call,
            details=actions.EntryDetails(title=title, summary=summary, category=category),
            submit=True,
        )
        if category != "suggestion":
            photo = _picture(Scene("exhibit", title, 6, (40, 70, 130)), SEED + n)
            actions.add_attachment(
                actor=author.user,
                entry=entry,
                upload=SimpleUploadedFile(f"{title}.jpg", photo, content_type="image/jpeg"),
            )
        merit[entry.pk] = 9.0 if n < 3 else rng.uniform(5.5, 8.5)
    jurors = _jurors(["一厂技术科 高工", "一厂工会 主席", "公交集团 劳模"], "wuxiao_juror_")
    _score_all(call, actor, jurors, 3, rng, merit)
    for row in jury_ranking(call):
        if row.rank <= 3:
            level = ["一等奖", "二等奖", "三等奖"][row.rank - 1]
            actions.decide(
                actor=actor,
                entry=row.entry,
                decision="awarded",
                award_level=level,
                reason=f"评审第{row.rank}名，已在日常维修中推广",
            )
        else:
            actions.decide(actor=actor, entry=row.entry, decision="accepted", reason="入选成果展示")
    _backdate(
        call,
        opens=date(YEAR, 9, 15),
        closes=date(YEAR, 10, 31),
        review_started=date(YEAR, 11, 3),
        review_closes=date(YEAR, 11, 10),
        results=date(YEAR, 11, 12),
    )
    return call


def load_innovation(*, staff: dict[str, User]) -> None:
    rng = random.Random(SEED)
    zgc = Org.objects.get(name=ZGC)
    plant = Org.objects.get(name=BUS_PLANT_UNION)
    active = Member.objects.filter(status=Member.Status.ACTIVE).select_related("org")
    zgc_members = list(
        active.filter(org__path__startswith=zgc.path).exclude(org=zgc).order_by("id")
    )
    picked = rng.sample(zgc_members, len(PAPERS) + VOTERS + BRUSHED)
    authors = _accounts(picked[: len(PAPERS)], "demo_author_")
    voters = _accounts(picked[len(PAPERS) : len(PAPERS) + VOTERS], "demo_voter_")
    brushers = _accounts(picked[len(PAPERS) + VOTERS :], "demo_voter_")
    units = list(Org.objects.filter(pk__in={m.org_id for m in zgc_members}).order_by("path"))
    _papers(staff["zgc_admin"], zgc, authors, rng)
    _craftsmen(staff["zgc_admin"], zgc, rng.sample(units, len(NOMINEES)), voters, brushers, rng)
    plant_members = _accounts(
        rng.sample(list(active.filter(org=plant).order_by("id")), len(WUXIAO)), "demo_plant_"
    )
    _wuxiao(staff["fed_admin"], plant, plant_members, rng)
