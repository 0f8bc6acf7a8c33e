"""The learning story of the seed: 回龙观's 红色领队团 (24 party-building instructors) teaching
micro-lessons (微党课) as audio "so that couriers can learn in fragments of time", couriers at
回龙观 part-way through them or done; and the postal union's study campaign of 《重要论述》,
which reached more than 20,000 people across its provincial unions.

The course, instructors, lessons (real WAV files made by learning.synth and checked by the
upload action) and campaigns go through the actions; the 20,000 participants and their
progress are bulk rows (demo.rows), as the real actions would have left them, and every
figure shown is counted from those rows (the tallies are rebuilt after the load).
"""

import random
import secrets
from collections import Counter
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.tree import subtree_q
from gonghui.demo.members import People, _allocate_numbers
from gonghui.demo.rows import insert_rows
from gonghui.learning import actions
from gonghui.learning.models import Lesson, LessonProgress, Participant, ProgressEvent
from gonghui.learning.synth import wav_bytes
from gonghui.members.choices import JobType
from gonghui.members.models import Episode, Member
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind

HLG = "回龙观街道总工会"
POSTAL = "中国邮政集团工会"
# The 24 party-building instructors (党建指导员) of the 红色领队团 and where they work.
INSTRUCTORS = [
    ("张红梅", "回龙观街道党建工作办公室"),
    ("李卫东", "回龙观街道总工会"),
    ("王淑芬", "龙泽园社区党委"),
    ("赵建华", "云趣园社区党委"),
    ("刘志刚", "新龙城社区党委"),
    ("陈秀英", "龙腾苑社区党委"),
    ("杨国强", "流星花园社区党委"),
    ("周丽娟", "北店嘉园社区党委"),
    ("吴海涛", "金域华府社区党委"),
    ("徐春燕", "龙华园社区党委"),
    ("孙立新", "风雅园社区党委"),
    ("马文博", "龙跃苑社区党委"),
    ("朱晓玲", "田园风光雅苑社区党委"),
    ("胡振华", "融泽嘉园社区党委"),
    ("郭亚楠", "天露园社区党委"),
    ("何建军", "冠庭园社区党委"),
    ("高丽萍", "通达园社区党委"),
    ("林永生", "佰嘉城社区党委"),
    ("罗晓峰", "和谐家园社区党委"),
    ("梁桂兰", "金榜园社区党委"),
    ("宋志勇", "农学院社区党委"),
    ("郑美华", "回龙观街道退役军人服务站"),
    ("谢德明", "昌平区委党校"),
    ("韩雪", "回龙观街道新时代文明实践所"),
]
TOPICS = [
    "红船精神",
    "井冈山精神",
    "长征精神",
    "延安精神",
    "西柏坡精神",
    "抗美援朝精神",
    "雷锋精神",
    "焦裕禄精神",
    "两弹一星精神",
    "铁人精神",
    "抗洪精神",
    "抗疫精神",
    "劳模精神",
    "工匠精神",
    "劳动精神",
    "脱贫攻坚精神",
    "北京冬奥精神",
    "载人航天精神",
    "工会的历史",
    "职工的权益",
    "安全骑行",
    "快递小哥的担当",
    "社区与小哥",
    "新时代的奋斗",
]
# The provincial postal unions the seed names, and their shares of the participants.
PROVINCES = [
    ("北京", 2600),
    ("湖北", 3100),
    ("黑龙江", 2200),
    ("天津", 1700),
    ("河北", 3300),
    ("福建", 2500),
    ("江西", 2100),
    ("广东", 4000),
]
CAMPAIGN_BOOK = "深入学习贯彻习近平总书记关于工人阶级和工会工作的重要论述"
GUIDE_LESSONS = [
    "第一讲 工人阶级的历史地位",
    "第二讲 工会工作的时代使命",
    "第三讲 维护职工合法权益",
]
# How many more members each provincial union has than take part (some never finish a lesson).
NOT_YET_SHARE = 0.03


def _province_union(province: str) -> str:
    suffix = "市" if province in {"北京", "天津"} else "省"
    return f"中国邮政集团有限公司{province}{suffix}分公司工会"


def _at(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _audio(seconds: float, seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        f"lesson-{seed}.wav", wav_bytes(seconds, seed=seed, width=1), content_type="audio/wav"
    )


def _postal_unions(operator: User) -> list[Org]:
    postal = Org.objects.get(name=POSTAL)
    existing = {org.name: org for org in Org.objects.filter(parent=postal)}
    unions = []
    for province, _n in PROVINCES:
        name = _province_union(province)
        unions.append(
            existing.get(name)
            or create_org(actor=operator, parent=postal, name=name, kind=OrgKind.ENTERPRISE)
        )
    return unions


def _postal_members(operator: User, unions: list[Org], now: datetime) -> dict[int, list[int]]:
    """The provincial unions' members (bulk, as the roster import writes them)."""
    # Mobiles and ID numbers never repeat across the whole demo.
    taken = list(Member.objects.values_list("mobile", "id_number"))
    people = People(20261118, reserved_mobiles=[str(mobile) for mobile, _id in taken])
    people.ids.update(str(number) for _mobile, number in taken)
    people.mobiles.update(
        str(u) for u in User.objects.exclude(mobile="").values_list("mobile", flat=True)
    )
    members: list[dict[str, Any]] = []
    for union, (_province, participants) in zip(unions, PROVINCES, strict=True):
        count = round(participants * (1 + NOT_YET_SHARE))
        numbers = _allocate_numbers(union, count)
        employer = union.name.removesuffix("工会")
        for number in numbers:
            person = people.person(
                kind="gig", job_type=JobType.COURIER, employer=employer, has_union=True
            )
            members.append(
                {
                    "number": number,
                    "org_id": union.pk,
                    "joined_on": (now - timedelta(days=400 + len(members) % 2000)).date(),
                    **person.fields(),
                }
            )
    keys = insert_rows(Member, members)
    insert_rows(
        Episode,
        [
            {
                "member_id": key,
                "org_id": row["org_id"],
                "employer_name": row["employer_name"],
                "started_on": row["joined_on"],
            }
            for key, row in zip(keys, members, strict=True)
        ],
    )
    audit.record(
        actor=operator,
        action="members.member.bulk_created",
        org=unions[0].parent,
        changes={"source": "demo data: postal unions' rosters", "members": len(members)},
    )
    by_union: dict[int, list[int]] = {}
    for key, row in zip(keys, members, strict=True):
        by_union.setdefault(row["org_id"], []).append(key)
    return by_union


class _Progress:
    """Progress rows as record_progress leaves them: the union of intervals, one event per
    interval with the credit it gave, completion stamped at the listening that reached it."""

    def __init__(self) -> None:
        self.progress: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def add(
        self,
        member_id: int,
        org_id: int,
        lesson: Lesson,
        sittings: list[tuple[int, int, datetime]],
        threshold: int,
    ) -> bool:
        """Sittings are (start_ms, end_ms, when), in time order, never overlapping."""
        covered = 0
        completed_at = None
        for start, end, when in sittings:
            covered += end - start
            self.events.append(
                {
                    "member_id": member_id,
                    "client_id": secrets.token_hex(12),
                    "lesson_id": lesson.pk,
                    "org_id": org_id,
                    "start_ms": start,
                    "end_ms": end,
                    "credit_ms": end - start,
                    "played_at": when,
                    "received_at": when,
                }
            )
            if completed_at is None and covered * 100 >= lesson.duration_ms * threshold:
                completed_at = when
        intervals: list[list[int]] = []
        for start, end, _when in sorted(sittings):
            if intervals and start <= intervals[-1][1]:
                intervals[-1][1] = max(intervals[-1][1], end)
            else:
                intervals.append([start, end])
        last = max(sittings, key=lambda s: s[2])
        self.progress.append(
            {
                "member_id": member_id,
                "lesson_id": lesson.pk,
                "org_id": org_id,
                "intervals": intervals,
                "covered_ms": covered,
                "position_ms": last[1],
                "position_at": last[2],
                "completed_at": completed_at,
                "started_at": sittings[0][2],
                "updated_at": last[2],
            }
        )
        return completed_at is not None

    def write(self) -> None:
        insert_rows(LessonProgress, self.progress)
        insert_rows(ProgressEvent, self.events)


def _sittings(
    rng: random.Random, lesson: Lesson, start: datetime, *, parts: int, upto: float
) -> list[tuple[int, int, datetime]]:
    """A lesson heard from the start in `parts` sittings a few hours apart, up to a share."""
    end_ms = int(lesson.duration_ms * upto)
    cuts = sorted({0, end_ms, *(rng.randrange(1, end_ms) for _ in range(parts - 1))})
    when = start
    result = []
    for a, b in pairwise(cuts):
        when += timedelta(hours=rng.uniform(1, 20))
        result.append((a, b, when))
    return result


def load_learning(*, operator: User, hlg_staff: User, now: datetime | None = None) -> None:
    now = now or timezone.now()
    rng = random.Random(1118)
    hlg = Org.objects.get(name=HLG)
    launched = timezone.make_aware(
        datetime.combine(timezone.localdate(now) - timedelta(days=19), time(9))
    )
    instructors = [
        actions.create_instructor(
            actor=hlg_staff, org=hlg, name=name, unit=unit, bio=f"红色领队团党建指导员，{unit}。"
        )
        for name, unit in INSTRUCTORS
    ]
    course = actions.create_course(
        actor=hlg_staff,
        org=hlg,
        title="红色领队微党课",
        description="由24位党建指导员组成的“红色领队团”讲述党史小故事，方便快递小哥用碎片化时间学习。",
        audience="subtree",
        tags="微党课, 党史学习教育, 红色领队团",
        instructors=instructors,
        publish=True,
    )
    lessons = [
        actions.add_lesson(
            actor=hlg_staff,
            course=course,
            title=f"第{n + 1}课 {topic}",
            kind="audio",
            media=_audio(30 + (n * 7) % 31, seed=n),
            instructor=instructors[n],
            text=f"{instructors[n].name}讲述“{topic}”的党史小故事（文稿）。",
        )
        for n, topic in enumerate(TOPICS)
    ]
    # Couriers at 回龙观 in three two-minute sittings: some done, some part-way.
    rows = _Progress()
    couriers = list(
        Member.objects.filter(subtree_q("org__path", [hlg.path]), status=Member.Status.ACTIVE)
        .exclude(user__isnull=False)
        .order_by("pk")
        .values_list("pk", "org_id")[:400]
    )
    for index, (member_id, org_id) in enumerate(couriers):
        for lesson in lessons[: 1 + index % 6]:
            upto = 1.0 if rng.random() < 0.6 else rng.uniform(0.2, 0.8)
            started = _at(rng, launched, now - timedelta(days=2))
            rows.add(
                member_id,
                org_id,
                lesson,
                _sittings(rng, lesson, started, parts=3, upto=upto),
                course.completion_percent,
            )

    # The postal union's campaign of 《重要论述》.
    unions = _postal_unions(operator)
    postal = unions[0].parent
    assert postal is not None
    guide = actions.create_course(
        actor=operator,
        org=postal,
        title="《重要论述》导读",
        description=f"《{CAMPAIGN_BOOK}》导读音频，配合原著学习。",
        audience="subtree",
        tags="重要论述, 学习活动",
        publish=True,
    )
    guide_lessons = [
        actions.add_lesson(
            actor=operator, course=guide, title=title, kind="audio", media=_audio(45, seed=30 + n)
        )
        for n, title in enumerate(GUIDE_LESSONS)
    ]
    start_day = timezone.localdate(now) - timedelta(days=45)
    campaign = actions.create_campaign(
        actor=operator,
        org=postal,
        title="学习《重要论述》",
        description="中国邮政集团工会通知：在全国邮政工会系统组织学习《重要论述》。",
        book=CAMPAIGN_BOOK,
        starts_on=start_day,
        ends_on=start_day + timedelta(days=120),
        lessons=guide_lessons,
        min_lessons=1,
    )
    opened = timezone.make_aware(datetime.combine(start_day, time(8)))
    participants: list[dict[str, Any]] = []
    for union_id, member_ids in _postal_members(operator, unions, now).items():
        for member_id in member_ids:
            # Most heard the first lecture in one go; one in ten went on to the second; the
            # rest stopped part-way (members, but not yet participants).
            done = 0
            first_done = None
            heard = guide_lessons[:2] if rng.random() < 0.1 else guide_lessons[:1]
            for lesson in heard:
                upto = 1.0 if rng.random() > NOT_YET_SHARE else rng.uniform(0.3, 0.85)
                started = _at(rng, opened, now - timedelta(days=1))
                sittings = _sittings(rng, lesson, started, parts=1, upto=upto)
                if rows.add(member_id, union_id, lesson, sittings, guide.completion_percent):
                    done += 1
                    when = rows.progress[-1]["completed_at"]
                    first_done = when if first_done is None else min(first_done, when)
            if done:
                participants.append(
                    {
                        "campaign_id": campaign.pk,
                        "member_id": member_id,
                        "org_id": union_id,
                        "lessons_completed": done,
                        "joined_at": first_done,
                        "completed_at": first_done,
                    }
                )
    rows.write()
    insert_rows(Participant, participants)
    counts = Counter(p["org_id"] for p in participants)
    audit.record(
        actor=operator,
        action="learning.participant.bulk_created",
        org=postal,
        target=campaign,
        changes={"participants": len(participants), "unions": len(counts)},
    )
