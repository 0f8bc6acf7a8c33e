"""The demo's recruitment story (双沟通), as the seed page tells it, computed from data.

- 中关村科学城总工会 ran 23 企业、职工“双沟通” events in 2026 at 20 non-public high-tech
  companies (搜狐, 小米, 贝壳找房, 掌趣科技, eleven of the largest older unions' enterprises and
  the five companies whose founding cases started after such an event; 小米, 贝壳找房 and the
  largest of the older ones had two events). 5,137 people joined through them.
- The 搜狐 event (July, 搜狐媒体大厦): 482 applications over eight hours, about one a minute,
  all approved. 搜狐 had no union then, so they went to 中关村科学城总工会 itself (routing sends
  an application to the enterprise's union only when there is one). Once 搜狐集团（北京）工会 was
  established (congress 2026-10-19), the 482 memberships moved there the next day through
  accepted transfers (会员关系接转): each member has two episodes and one accepted transfer, keeps
  the member number 中关村 gave them and stays counted as recruited by the July event. Unlike
  accept_transfer, which clears the member's enterprise, these keep it: the employer did not
  change, only its union did.
- Events at companies that had a union then sent their applications to that union; events at
  companies without one (搜狐 and the five founding cases) to 中关村科学城总工会.
- A few applications were rejected or are still waiting, so each event's funnel reads
  scans > applications > approved; most applicants got the welcome gift.
- 回龙观: couriers and riders who applied online to the street union (their employers and
  platforms have no union), among them the demo worker 李师傅, whose account is linked to his
  membership so his e-member card shows after SMS sign-in; a few applications wait for review,
  some longer than the queue's warning threshold.

People (names, ID numbers, mobiles, …) come from a fixed random seed; only the applications
still waiting are dated relative to the time of loading. Members, episodes, applications and
transfers are written in bulk (as an import would), with one summary audit entry per step.
"""

import math
import random
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.demo.enterprises import (
    HLG,
    HLG_CASE,
    MOBILE_PREFIXES,
    SOHU,
    SOHU_CONGRESS,
    SURNAMES,
    ZGC,
    Company,
    DemoEnterprises,
    build_dataset,
)
from gonghui.demo.rows import insert_rows
from gonghui.enterprises.models import Enterprise
from gonghui.members.actions import create_recruitment_event
from gonghui.members.choices import Education, Gender, JobType, PoliticalStatus
from gonghui.members.models import (
    Application,
    Episode,
    Member,
    MemberSequence,
    RecruitmentEvent,
    Transfer,
)
from gonghui.orgs.models import Org

SEED = 20260716  # the day of the 搜狐 event
YEAR = 2026
# The seed page: 在小米、贝壳找房、掌趣科技等20家非公高科技企业开展了23场，
# 吸引了5137名职工加入工会组织; at 搜狐 482名职工成为了工会会员，平均每分钟就有1名职工提交申请。
EVENT_COUNT, COMPANY_COUNT, RECRUITED = 23, 20, 5137
SOHU_RECRUITED = 482
SOHU_PLACE = "搜狐媒体大厦"
# The day after the congress: the 482 memberships move to the new union.
SOHU_TRANSFER_DAY = SOHU_CONGRESS + timedelta(days=1)
DEMO_WORKER_NAME = "李建军"  # 李师傅's name on his ID card
HIGH_TECH = {"I", "C", "M"}

# --- people ----------------------------------------------------------------------------------

# Regions of birth registration: (GB/T 2260 code, first and last birth year python-stdnum's
# table accepts the code for, weight, ethnic groups common there besides 汉族).
REGIONS: list[tuple[str, int, int, int, tuple[str, ...]]] = [
    ("110101", 0, 9999, 2, ()), ("110102", 0, 9999, 2, ()), ("110105", 0, 9999, 3, ()),
    ("110106", 0, 9999, 2, ()), ("110108", 0, 9999, 4, ()), ("120104", 0, 9999, 2, ()),
    ("130102", 1983, 9999, 3, ()), ("130104", 1983, 9999, 3, ()), ("130203", 1983, 9999, 2, ()),
    ("130602", 1983, 9999, 3, ()), ("131002", 1988, 9999, 2, ("03",)),
    ("130682", 1994, 9999, 2, ()), ("140105", 1997, 9999, 2, ()), ("140202", 1983, 2018, 1, ()),
    ("150102", 1983, 9999, 2, ("02",)), ("152501", 0, 9999, 1, ("02",)),
    ("210102", 1983, 9999, 2, ("11",)), ("210203", 1983, 9999, 1, ()),
    ("211302", 1984, 9999, 1, ("02", "11")), ("220102", 1983, 9999, 1, ()),
    ("222401", 0, 9999, 1, ("10",)), ("230102", 1983, 9999, 2, ("11",)),
    ("230602", 1983, 9999, 1, ()), ("320102", 1983, 9999, 1, ()), ("320382", 1992, 9999, 1, ()),
    ("330106", 1983, 9999, 1, ()), ("340104", 1983, 9999, 2, ()), ("341202", 1996, 9999, 1, ()),
    ("341221", 1996, 9999, 1, ()), ("350102", 1983, 9999, 1, ()), ("360102", 1983, 9999, 1, ()),
    ("362201", 0, 2000, 1, ()), ("370102", 1983, 9999, 2, ()), ("370202", 1983, 9999, 1, ()),
    ("370602", 1983, 9999, 1, ()), ("370702", 1983, 9999, 2, ()), ("371302", 1994, 9999, 2, ()),
    ("410102", 1983, 9999, 2, ()), ("410105", 1983, 9999, 3, ()), ("410302", 1983, 9999, 1, ()),
    ("411302", 1994, 9999, 1, ()), ("411502", 1998, 9999, 1, ()), ("412726", 0, 2000, 2, ()),
    ("420106", 1983, 9999, 2, ()), ("420111", 1983, 9999, 2, ()),
    ("422801", 1981, 9999, 1, ("15",)), ("430104", 1983, 9999, 2, ()),
    ("430602", 1984, 9999, 1, ()), ("440106", 1985, 9999, 1, ()), ("440304", 1983, 9999, 1, ()),
    ("450103", 1983, 9999, 1, ("08",)), ("450802", 1995, 9999, 1, ("08",)),
    ("500103", 1997, 9999, 1, ()), ("500235", 1997, 9999, 1, ()), ("510104", 1990, 9999, 1, ()),
    ("510107", 1990, 9999, 1, ()), ("511302", 1993, 9999, 1, ()),
    ("513401", 0, 9999, 1, ("07",)), ("520102", 1983, 9999, 1, ("06", "03")),
    ("522601", 1983, 9999, 1, ("06", "12")), ("530102", 1983, 9999, 1, ("07", "03")),
    ("532901", 1983, 9999, 1, ("14",)), ("540102", 1983, 9999, 1, ("04",)),
    ("610113", 1983, 9999, 2, ()), ("610402", 1983, 9999, 1, ()),
    ("620102", 1983, 9999, 1, ("03", "26")), ("630104", 1983, 9999, 1, ("03", "04", "30")),
    ("640104", 2002, 9999, 1, ("03",)), ("642221", 0, 2001, 1, ("03",)),
    ("650102", 1983, 9999, 1, ("05", "03", "17")), ("653101", 0, 9999, 1, ("05",)),
]  # fmt: skip
# Elsewhere a few people are 回族, 满族, 蒙古族 or 土家族 too.
SCATTERED_ETHNICITIES = ("03", "11", "02", "15")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MALE_GIVEN = (
    "伟强磊军洋勇杰涛明超刚华飞鹏宇浩凯健俊帆晨博睿轩志建国平辉亮斌波峰毅鑫松林海宁坤旭阳振昊宏文"
)
FEMALE_GIVEN = "芳娜敏静丽艳娟霞玲雪琳欣婷颖佳楠瑶倩蕾璐萍慧莉晶洁月薇梦怡雯萱悦菲娇敏燕丹"
# Kinds of work, and the education and party membership typical of each.
EDUCATION_WEIGHTS: dict[str, dict[str, int]] = {
    "tech": {"graduate": 27, "bachelor": 58, "college": 11, "vocational": 2, "high_school": 2},
    "content": {"graduate": 10, "bachelor": 60, "college": 25, "high_school": 5},
    "gig": {
        "bachelor": 4,
        "college": 16,
        "vocational": 26,
        "high_school": 34,
        "middle_school": 20,
    },
}
CPC_SHARE = {"tech": 0.2, "content": 0.12, "gig": 0.06}
LEAGUE_SHARE = {"tech": 0.45, "content": 0.4, "gig": 0.25}  # of those aged 28 or younger
MALE_SHARE = {"tech": 0.62, "content": 0.45, "gig": 0.93}
BIRTH_YEARS = {"tech": (1972, 2004, 1993), "content": (1980, 2004, 1996), "gig": (1970, 2004, 1991)}
GIG_AT_TECH = [
    (JobType.RIDER, 4),
    (JobType.COURIER, 3),
    (JobType.RIDE_HAILING, 2),
    (JobType.TRUCK, 1),
]


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    ethnicity: str
    id_number: str
    mobile: str
    employer_name: str
    has_employer_union: bool
    job_type: str
    education: str
    political_status: str

    def fields(self) -> dict[str, Any]:
        return asdict(self)


def _check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


class People:
    """Invents people from word lists; ID numbers and mobiles never repeat."""

    def __init__(self, seed: int, *, reserved_mobiles: Iterable[str] = ()) -> None:
        self.rng = random.Random(seed)
        self.ids: set[str] = set()
        self.mobiles: set[str] = set(reserved_mobiles)
        self.surname_weights = [1 / (rank + 6) for rank in range(len(SURNAMES))]
        self.regions_by_year = {
            year: [r for r in REGIONS if r[1] <= year <= r[2]] for year in range(1960, 2011)
        }

    def _pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def name(self, gender: str) -> str:
        pool = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
        given = "".join(self.rng.choices(pool, k=1 if self.rng.random() < 0.25 else 2))
        return self.rng.choices(SURNAMES, weights=self.surname_weights)[0] + given

    def id_number(self, born: date, gender: str, region: str) -> str:
        while True:
            # The 17th digit is odd for men and even for women.
            sex_digit = self.rng.choice("13579" if gender == Gender.MALE else "02468")
            first17 = f"{region}{born:%Y%m%d}{self.rng.randrange(100):02d}{sex_digit}"
            number = first17 + _check_character(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            mobile = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if mobile not in self.mobiles:
                self.mobiles.add(mobile)
                return mobile

    def person(self, *, kind: str, job_type: str, employer: str, has_union: bool) -> Person:
        """Someone doing `kind` of work ("tech", "content" or "gig")."""
        rng = self.rng
        gender = Gender.MALE if rng.random() < MALE_SHARE[kind] else Gender.FEMALE
        low, high, mode = BIRTH_YEARS[kind]
        year = round(rng.triangular(low, high, mode))
        born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        regions = self.regions_by_year[year]
        region = rng.choices(regions, weights=[r[3] for r in regions])[0]
        code, groups = region[0], region[4]
        if groups and rng.random() < 0.25:
            ethnicity = rng.choice(groups)
        elif rng.random() < 0.015:
            ethnicity = rng.choice(SCATTERED_ETHNICITIES)
        else:
            ethnicity = "01"
        age = YEAR - year
        draw = rng.random()
        if draw < CPC_SHARE[kind]:
            political = PoliticalStatus.CPC_MEMBER
        elif draw < CPC_SHARE[kind] + 0.01:
            political = PoliticalStatus.CPC_PROBATIONARY
        elif age <= 28 and rng.random() < LEAGUE_SHARE[kind]:
            political = PoliticalStatus.LEAGUE
        elif kind == "tech" and rng.random() < 0.01:
            political = rng.choice((PoliticalStatus.DEMOCRATIC_PARTY, PoliticalStatus.NON_PARTISAN))
        else:
            political = PoliticalStatus.MASSES
        education = self._pick(EDUCATION_WEIGHTS[kind])
        if age < 24 and education == Education.GRADUATE:
            education = Education.BACHELOR
        return Person(
            name=self.name(gender),
            gender=gender,
            ethnicity=ethnicity,
            id_number=self.id_number(born, gender, code),
            mobile=self.mobile(),
            employer_name=employer,
            has_employer_union=has_union,
            job_type=job_type,
            education=education,
            political_status=political,
        )

    def employee(self, company: Company, *, has_union: bool) -> Person:
        """Someone working at a high-tech company: mostly employees, some platform workers in
        firms that have them, some content creators at media and game companies."""
        gig_share = company.gig_headcount / company.headcount if company.headcount else 0
        content_share = 0.1 if company.name in {SOHU, "北京掌趣科技股份有限公司"} else 0.0
        draw = self.rng.random()
        if draw < gig_share:
            job = self.rng.choices(GIG_AT_TECH, weights=[w for _j, w in GIG_AT_TECH])[0][0]
            kind = "gig"
        elif draw < gig_share + content_share:
            job, kind = JobType.CONTENT, "content"
        else:
            job, kind = JobType.EMPLOYEE, "tech"
        return self.person(kind=kind, job_type=job, employer=company.name, has_union=has_union)


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    person: Person
    submitted_at: datetime
    status: str  # Application.Status
    reviewed_at: datetime | None = None
    reject_reason: str = ""
    gift_at: datetime | None = None


@dataclass(frozen=True)
class EventPlan:
    company: str  # the enterprise's name
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    target: int
    gift_name: str
    gift_stock: int
    scans: int
    union_then: bool  # the company had its union on the day: applications went there
    applicants: tuple[Applicant, ...]


@dataclass(frozen=True)
class DirectPlan:
    """Applications made online, without an event."""

    org: str  # the union receiving them when the enterprise has none
    enterprise: str  # the enterprise's name, or "" for a platform
    applicant: Applicant
    is_demo_worker: bool = False


@dataclass(frozen=True)
class DemoMembers:
    events: tuple[EventPlan, ...]
    direct: tuple[DirectPlan, ...]


GIFTS = (
    "工会定制帆布袋",
    "工会文创保温杯",
    "便携充电宝",
    "“工匠精神”笔记本礼盒",
    "工会定制雨伞",
    "工会入会礼包（帆布袋、保温杯）",
)
FAMOUS_KEYS = {
    "xiaomi": "小米科技有限责任公司",
    "beike": "贝壳找房（北京）科技有限公司",
    "zhangqu": "北京掌趣科技股份有限公司",
}
# Where in the building (a company's address comes first when the demo knows it).
PLACES = {
    "xiaomi": ("小米科技园报告厅", "小米科技园员工餐厅"),
    "beike": ("贝壳找房上地办公区员工餐厅", "贝壳找房上地办公区报告厅"),
    "zhangqu": ("掌趣科技办公区多功能厅",),
    "sohu": (SOHU_PLACE,),
}
# (company, month, day, start (hour, minute), hours, members, rejected, pending, place, gift).
# Companies: "sohu", a FAMOUS_KEYS key, "older:<n>" (the n-th largest enterprise with an older
# union), "case:<n>" (the n-th founding case that started after a 双沟通 event).
EventRow = tuple[str, int, int, tuple[int, int], float, int, int, int, str, int]
EVENTS: list[EventRow] = [
    ("xiaomi", 3, 19, (9, 30), 7, 468, 3, 0, "", 0),
    ("older:10", 3, 26, (13, 30), 4, 98, 1, 0, "一层大厅", 1),
    ("beike", 4, 16, (10, 0), 6.5, 372, 2, 0, "", 2),
    ("older:0", 4, 23, (9, 30), 6, 245, 2, 0, "员工餐厅", 0),
    ("zhangqu", 5, 14, (10, 0), 5, 196, 1, 0, "", 3),
    ("case:4", 5, 21, (13, 30), 4, 143, 1, 0, "多功能厅", 1),
    ("older:1", 5, 28, (9, 30), 6, 212, 2, 0, "员工餐厅", 4),
    ("older:2", 6, 11, (9, 30), 6, 235, 1, 0, "一层大厅", 0),
    ("case:3", 6, 24, (10, 0), 5, 188, 2, 0, "员工餐厅", 4),
    ("case:2", 6, 29, (14, 0), 3, 41, 0, 0, "会议室", 1),
    ("older:4", 7, 9, (9, 30), 6, 228, 2, 0, "一层大厅", 2),
    ("sohu", 7, 16, (9, 30), 8, SOHU_RECRUITED, 0, 0, "", 5),
    ("case:0", 7, 23, (10, 0), 6, 236, 2, 0, "员工餐厅", 0),
    ("older:3", 8, 13, (9, 30), 6, 256, 3, 0, "员工餐厅", 1),
    ("older:5", 8, 27, (9, 30), 6, 204, 1, 0, "一层大厅", 3),
    ("xiaomi", 9, 10, (10, 0), 6, 300, 2, 0, "", 2),
    ("older:6", 9, 17, (9, 30), 6, 187, 1, 0, "员工餐厅", 0),
    ("older:0", 9, 24, (10, 0), 5, 183, 2, 0, "报告厅", 4),
    ("beike", 10, 15, (10, 0), 6, 232, 2, 0, "", 1),
    ("older:7", 10, 22, (9, 30), 6, 158, 1, 0, "员工餐厅", 3),
    ("older:8", 10, 29, (9, 30), 5, 149, 2, 0, "一层大厅", 2),
    ("case:1", 11, 5, (10, 0), 5, 203, 1, 2, "员工餐厅", 0),
    ("older:9", 11, 12, (13, 30), 4, 121, 1, 4, "多功能厅", 4),
]
REJECT_REASONS = (
    "非本企业职工（外包驻场人员），请向劳动关系所在单位或所在地街道工会申请入会。",
    "身份证号码与姓名不一致，请核对后重新提交。",
    "已在原单位工会入会，请办理会员关系接转，无需重新入会。",
    "实习学生尚未与企业建立劳动关系，入职后可再申请。",
)
# Where 回龙观's couriers and riders work: (employer or platform, registered there, job, weight).
HLG_EMPLOYERS: list[tuple[str, bool, str, int]] = [
    ("北京中通快递有限公司回龙观分部", True, JobType.COURIER, 6),
    ("北京圆通速递有限公司回龙观营业部", True, JobType.COURIER, 5),
    ("北京韵达快递有限公司回龙观分部", True, JobType.COURIER, 5),
    ("北京同成配送服务有限公司", True, JobType.RIDER, 6),
    ("北京龙泽同城快送服务有限公司", True, JobType.COURIER, 3),
    (HLG_CASE[0], True, JobType.COURIER, 3),
    ("美团外卖", False, JobType.RIDER, 5),
    ("饿了么", False, JobType.RIDER, 4),
    ("闪送", False, JobType.COURIER, 2),
    ("货拉拉", False, JobType.TRUCK, 1),
    ("滴滴出行", False, JobType.RIDE_HAILING, 1),
]
HLG_MEMBERS, HLG_REJECTED = 38, 2
# Waiting applications, dated back from the time of loading: (days ago, …).
ZGC_WAITING_DAYS = (0.2, 1.5, 4.0, 6.5)
HLG_WAITING_DAYS = (0.1, 0.8, 2.2, 3.6, 5.3)
DEMO_WORKER_EMPLOYER = "北京中通快递有限公司回龙观分部"


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=timezone.get_default_timezone())


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _spread(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """Submission times over an event: a rush after opening, a peak over lunch, a steady
    trickle in between."""
    minutes = (end - start).total_seconds() / 60
    lunch = (12 * 60 + 15) - (start.hour * 60 + start.minute)
    times: list[datetime] = []
    for _ in range(count):
        while True:
            draw = rng.random()
            if draw < 0.15:
                offset = rng.gauss(35, 20)
            elif draw < 0.35 and 0 < lunch < minutes:
                offset = rng.gauss(lunch, 28)
            else:
                offset = rng.uniform(0, minutes)
            if 0 <= offset < minutes:
                break
        times.append(start + timedelta(seconds=round(offset * 60)))
    return sorted(times)


def _review_times(rng: random.Random, count: int, after: date) -> list[datetime]:
    """Reviewers approve an event's applications over the next working days, ~200 a day."""
    days = max(1, math.ceil(count / 200))
    times: list[datetime] = []
    day = after
    for index in range(days):
        day = _working_day(day + timedelta(days=1))
        share = count * (index + 1) // days - count * index // days
        start = _at(day, 9)
        times += sorted(start + timedelta(seconds=rng.randrange(8 * 3600)) for _ in range(share))
    return times


def _older_companies(data: DemoEnterprises) -> list[Company]:
    """中关村's largest high-tech enterprises whose union is older than this year."""
    older = [
        company
        for company, founded in data.historical
        if company.industry in HIGH_TECH and founded.year < YEAR
    ]
    return sorted(older, key=lambda company: (-company.headcount, company.name))


def _after_event_cases(data: DemoEnterprises) -> list[tuple[Company, date]]:
    """Founding cases started after a 双沟通 event, with the day the case mentions it."""
    return [
        (case.company, next(on for _kind, on, text in case.events if "双沟通" in text))
        for case in data.zgc_cases
        if any("双沟通" in text for _kind, _on, text in case.events)
    ]


def _event_company(key: str, data: DemoEnterprises, day: date) -> tuple[Company, bool]:
    """The company behind an EVENTS key and whether it had a union on `day`."""
    kind, _sep, arg = key.partition(":")
    if kind == "sohu":
        return data.sohu.company, False
    if kind in FAMOUS_KEYS:
        company, founded = next((c, on) for c, on in data.famous if c.name == FAMOUS_KEYS[kind])
        return company, founded < day
    if kind == "older":
        return _older_companies(data)[int(arg)], True
    company, mentioned = _after_event_cases(data)[int(arg)]
    if day > mentioned:
        raise ValueError(f"the event at {company.name} must come before its case says so")
    return company, False


def _plan_event(row: EventRow, data: DemoEnterprises, people: People) -> EventPlan:
    key, month, day_of_month, (hour, minute), hours, members, rejected, pending, where, gift = row
    rng = people.rng
    day = date(YEAR, month, day_of_month)
    company, union_then = _event_company(key, data, day)
    repeat = sum(
        1 for other in EVENTS if other[0] == key and (other[1], other[2]) < (month, day_of_month)
    )
    place = PLACES[key][repeat] if key in PLACES else f"{company.address}{where}"
    if members > company.headcount * 0.7:
        raise ValueError(f"{members} recruits are too many for {company.name}")
    start = _at(day, hour, minute)
    end = start + timedelta(hours=hours)
    total = members + rejected + pending
    statuses = (
        [Application.Status.APPROVED] * members
        + [Application.Status.REJECTED] * rejected
        + [Application.Status.PENDING] * pending
    )
    rng.shuffle(statuses)
    submitted = _spread(rng, total, start, end)
    reviewed = iter(_review_times(rng, members + rejected, day))
    applicants: list[Applicant] = []
    for at, status in zip(submitted, statuses, strict=True):
        reviewed_at = next(reviewed) if status != Application.Status.PENDING else None
        gift_at = at + timedelta(seconds=rng.randrange(60, 420)) if rng.random() < 0.94 else None
        applicants.append(
            Applicant(
                person=people.employee(company, has_union=union_then),
                submitted_at=at,
                status=status,
                reviewed_at=reviewed_at,
                reject_reason=rng.choice(REJECT_REASONS)
                if status == Application.Status.REJECTED
                else "",
                gift_at=gift_at,
            )
        )
    target = SOHU_RECRUITED + 18 if key == "sohu" else round(total * rng.uniform(1.0, 1.3), -1)
    given = sum(1 for a in applicants if a.gift_at is not None)
    title = f"企业、职工“双沟通”活动 · {company.name}" + ("（第二场）" if repeat else "")
    return EventPlan(
        company=company.name,
        title=title,
        place=place,
        starts_at=start,
        ends_at=end,
        target=int(target),
        gift_name=GIFTS[gift],
        gift_stock=max(int(target), math.ceil(given / 50) * 50),
        scans=round(total * rng.uniform(1.15, 1.4)),
        union_then=union_then,
        applicants=tuple(applicants),
    )


def _hlg_direct(people: People, now: datetime, worker_mobile: str) -> list[DirectPlan]:
    rng = people.rng
    employers = [(n, e, j) for n, e, j, _w in HLG_EMPLOYERS]
    weights = [w for *_rest, w in HLG_EMPLOYERS]

    def courier(employer: tuple[str, bool, str]) -> Person:
        return people.person(
            kind="gig", job_type=employer[2], employer=employer[0], has_union=False
        )

    plans: list[DirectPlan] = []
    for index in range(HLG_MEMBERS + HLG_REJECTED):
        # Most joined after the street union's visits to the depots in November.
        if rng.random() < 0.6:
            day = date(YEAR, 11, 1) + timedelta(days=rng.randrange(17))
        else:
            day = date(YEAR, 5, 1) + timedelta(days=rng.randrange(180))
        submitted = _at(day, 7) + timedelta(minutes=rng.randrange(15 * 60))
        status = Application.Status.APPROVED if index < HLG_MEMBERS else Application.Status.REJECTED
        employer = rng.choices(employers, weights=weights)[0]
        reviewed = _at(_working_day(day + timedelta(days=1)), 9) + timedelta(
            minutes=rng.randrange(480)
        )
        plans.append(
            DirectPlan(
                org=HLG,
                enterprise=employer[0] if employer[1] else "",
                applicant=Applicant(
                    person=courier(employer),
                    submitted_at=submitted,
                    status=status,
                    reviewed_at=reviewed,
                    reject_reason=""
                    if status == Application.Status.APPROVED
                    # The courier who already joined at the depot's union in his home town.
                    else REJECT_REASONS[2],
                ),
            )
        )
    # 李师傅, who applied the evening the street union came by his depot.
    worker = people.person(
        kind="gig", job_type=JobType.COURIER, employer=DEMO_WORKER_EMPLOYER, has_union=False
    )
    worker = Person(
        **{
            **worker.fields(),
            "name": DEMO_WORKER_NAME,
            "gender": Gender.MALE,
            "ethnicity": "01",
            "id_number": people.id_number(date(1984, 3, 12), Gender.MALE, "412726"),
            "mobile": worker_mobile,
            "education": Education.VOCATIONAL,
            "political_status": PoliticalStatus.MASSES,
        }
    )
    plans.append(
        DirectPlan(
            org=HLG,
            enterprise=DEMO_WORKER_EMPLOYER,
            applicant=Applicant(
                person=worker,
                submitted_at=_at(date(YEAR, 11, 18), 20, 41, 7),
                status=Application.Status.APPROVED,
                reviewed_at=_at(date(YEAR, 11, 19), 10, 5, 32),
            ),
            is_demo_worker=True,
        )
    )
    for days_ago in HLG_WAITING_DAYS:
        employer = rng.choices(employers, weights=weights)[0]
        plans.append(
            DirectPlan(
                org=HLG,
                enterprise=employer[0] if employer[1] else "",
                applicant=Applicant(
                    person=courier(employer),
                    submitted_at=now - timedelta(days=days_ago),
                    status=Application.Status.PENDING,
                ),
            )
        )
    return plans


def _zgc_direct(
    people: People, now: datetime, data: DemoEnterprises, events: list[EventPlan]
) -> list[DirectPlan]:
    plans = [
        DirectPlan(
            org=ZGC,
            enterprise=company.name,
            applicant=Applicant(
                person=people.employee(company, has_union=False),
                submitted_at=now - timedelta(days=days_ago),
                status=Application.Status.PENDING,
            ),
        )
        for company, days_ago in zip(data.zgc_without_case, ZGC_WAITING_DAYS, strict=False)
    ]
    # Someone who applied online two days before their company's event and joined there: the
    # online application still waits, and the queue flags them as a member already.
    last = events[-1]
    joined = next(a for a in last.applicants if a.status == Application.Status.APPROVED)
    plans.append(
        DirectPlan(
            org=ZGC,
            enterprise=last.company,
            applicant=Applicant(
                person=joined.person,
                submitted_at=_at(last.starts_at.date() - timedelta(days=2), 21, 44),
                status=Application.Status.PENDING,
            ),
        )
    )
    return plans


def build_members_dataset(
    now: datetime,
    *,
    worker_mobile: str,
    reserved_mobiles: Iterable[str] = (),
    data: DemoEnterprises | None = None,
) -> DemoMembers:
    """Everything the demo writes about recruitment; the same for the same `now`. The demo
    worker gets `worker_mobile`; nobody else gets it or one of `reserved_mobiles`."""
    data = data or build_dataset()
    people = People(SEED, reserved_mobiles={worker_mobile, *reserved_mobiles})
    events = [_plan_event(row, data, people) for row in EVENTS]
    recruited = sum(
        1 for e in events for a in e.applicants if a.status == Application.Status.APPROVED
    )
    if (len(events), len({e.company for e in events}), recruited) != (
        EVENT_COUNT,
        COMPANY_COUNT,
        RECRUITED,
    ):
        raise ValueError("the events do not add up to the seed page's figures")
    direct = _zgc_direct(people, now, data, events) + _hlg_direct(people, now, worker_mobile)
    return DemoMembers(events=tuple(events), direct=tuple(direct))


# --- writing it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    applicant: Applicant
    org: Org  # the receiving union
    enterprise: Enterprise | None
    event: RecruitmentEvent | None
    reviewer: User
    user: User | None = None


def _allocate_numbers(org: Org, count: int) -> list[str]:
    """A block of member numbers, as actions._next_number makes them one at a time; the
    union's sequence moves past the block, so later approvals continue it."""
    sequence, _created = MemberSequence.objects.select_for_update().get_or_create(org=org)
    MemberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + count)
    first = sequence.last + 1
    return [f"{org.pk:06d}-{n:06d}" for n in range(first, first + count)]


def _backdate(
    model: type[models.Model], field_name: str, values: list[tuple[int, datetime]]
) -> None:
    """Set an auto_now_add column (which bulk_create stamps with the current time) to when
    things really happened, in one executemany (bulk_update's CASE expressions are slow)."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.DateTimeField)
    quote = connection.ops.quote_name
    table, column, pk = (
        quote(str(name)) for name in (model._meta.db_table, field.column, model._meta.pk.column)
    )
    sql = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608 — the model's names
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(field.get_db_prep_value(at, connection), pk) for pk, at in values]
        )


def _write(rows: Sequence[_Row], *, actor: User, org: Org, source: str) -> None:
    """Applications, and members with their first episode for the approved ones, in bulk."""
    approved = sorted(
        (i for i, row in enumerate(rows) if row.applicant.status == Application.Status.APPROVED),
        key=lambda i: (rows[i].applicant.reviewed_at, rows[i].applicant.submitted_at),
    )
    unions = {rows[i].org.pk: rows[i].org for i in approved}
    counts = Counter(rows[i].org.pk for i in approved)
    numbers = {pk: iter(_allocate_numbers(unions[pk], n)) for pk, n in sorted(counts.items())}
    members: list[dict[str, Any]] = []
    for i in approved:
        row = rows[i]
        assert row.applicant.reviewed_at is not None
        members.append(
            {
                "number": next(numbers[row.org.pk]),
                "org_id": row.org.pk,
                "enterprise_id": row.enterprise.pk if row.enterprise else None,
                "joined_on": timezone.localdate(row.applicant.reviewed_at),
                "user_id": row.user.pk if row.user else None,
                "recruitment_event_id": row.event.pk if row.event else None,
                **row.applicant.person.fields(),
            }
        )
    keys = insert_rows(Member, members)
    insert_rows(
        Episode,
        [
            {
                "member_id": key,
                "org_id": member["org_id"],
                "employer_name": member["employer_name"],
                "started_on": member["joined_on"],
            }
            for key, member in zip(keys, members, strict=True)
        ],
    )
    member_of = dict(zip(approved, keys, strict=True))
    applications: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        applicant = row.applicant
        reviewed = applicant.status != Application.Status.PENDING
        applications.append(
            {
                "org_id": row.org.pk,
                "event_id": row.event.pk if row.event else None,
                "enterprise_id": row.enterprise.pk if row.enterprise else None,
                "status": applicant.status,
                "reject_reason": applicant.reject_reason,
                "consent_version": settings.CONSENT_VERSION,
                "consented_at": applicant.submitted_at,
                "submitted_at": applicant.submitted_at,
                "submission_key": secrets.token_urlsafe(24),
                "receipt": secrets.token_urlsafe(18),
                "gift_given_at": applicant.gift_at,
                "reviewed_by_id": row.reviewer.pk if reviewed else None,
                "reviewed_at": applicant.reviewed_at,
                "member_id": member_of.get(i),
                **applicant.person.fields(),
            }
        )
    insert_rows(Application, applications)
    statuses = Counter(row.applicant.status for row in rows)
    audit.record(
        actor=actor,
        action="members.application.bulk_created",
        org=org,
        changes={
            "source": source,
            "applications": len(rows),
            "approved": statuses[Application.Status.APPROVED],
            "rejected": statuses[Application.Status.REJECTED],
            "pending": statuses[Application.Status.PENDING],
            "events": len({row.event.pk for row in rows if row.event is not None}),
        },
    )
    audit.record(
        actor=actor,
        action="members.member.bulk_created",
        org=org,
        changes={
            "source": source,
            "members": len(members),
            "unions": len(unions),
            "numbers": [[unions[pk].name, n] for pk, n in sorted(counts.items())],
            "joined": [
                min(m["joined_on"] for m in members).isoformat(),
                max(m["joined_on"] for m in members).isoformat(),
            ],
        },
    )


def _move_to_sohu_union(
    event: RecruitmentEvent, *, zgc: Org, union: Org, zgc_admin: User, sohu_staff: User
) -> None:
    """The July recruits' memberships move to the new 搜狐 union the day after its congress:
    one accepted transfer each, the 中关村 episode ends and the 搜狐 one starts that day."""
    day = SOHU_TRANSFER_DAY
    members = list(Member.objects.filter(recruitment_event=event, org=zgc).order_by("number"))
    requested, decided = _at(day, 9, 30), _at(day, 15, 10)
    transfers = [
        Transfer(
            member=member,
            from_org=zgc,
            to_org=union,
            new_employer_name=member.employer_name,
            status=Transfer.Status.ACCEPTED,
            requested_by=zgc_admin,
            decided_by=sohu_staff,
            decided_at=decided + timedelta(seconds=i // 10),
        )
        for i, member in enumerate(members)
    ]
    Transfer.objects.bulk_create(transfers, batch_size=500)
    _backdate(
        Transfer,
        "requested_at",
        [(t.pk, requested + timedelta(seconds=i // 10)) for i, t in enumerate(transfers)],
    )
    Episode.objects.filter(member__recruitment_event=event, ended_on=None).update(ended_on=day)
    Episode.objects.bulk_create(
        [
            Episode(member=member, org=union, employer_name=member.employer_name, started_on=day)
            for member in members
        ],
        batch_size=1000,
    )
    Member.objects.filter(recruitment_event=event, org=zgc).update(
        org=union, has_employer_union=True, version=F("version") + 1
    )
    audit.record(
        actor=sohu_staff,
        action="members.transfer.bulk_accepted",
        org=union,
        changes={
            "source": "demo data",
            "from": zgc.pk,
            "to": union.pk,
            "members": len(members),
            "on": day.isoformat(),
        },
    )


def load_members(
    *,
    zgc_admin: User,
    hlg_staff: User,
    sohu_staff: User,
    worker: User,
    reserved_mobiles: Iterable[str] = (),
    now: datetime | None = None,
) -> None:
    """Write the recruitment events, applications, members and transfers (the enterprises,
    staff and the demo worker's account exist)."""
    plan = build_members_dataset(
        now or timezone.now(), worker_mobile=str(worker.mobile), reserved_mobiles=reserved_mobiles
    )
    orgs = {org.name: org for org in Org.objects.filter(name__in=[ZGC, HLG])}
    zgc, hlg = orgs[ZGC], orgs[HLG]
    names = {e.company for e in plan.events} | {d.enterprise for d in plan.direct if d.enterprise}
    enterprises = {
        e.name: e for e in Enterprise.objects.filter(name__in=names).select_related("org", "union")
    }
    rows: list[_Row] = []
    events: list[tuple[EventPlan, RecruitmentEvent]] = []
    for event_plan in plan.events:
        enterprise = enterprises[event_plan.company]
        event = create_recruitment_event(
            actor=zgc_admin,
            org=zgc,
            enterprise=enterprise,
            title=event_plan.title,
            place=event_plan.place,
            starts_at=event_plan.starts_at,
            ends_at=event_plan.ends_at,
            target=event_plan.target,
            gift_name=event_plan.gift_name,
            gift_stock=event_plan.gift_stock,
        )
        events.append((event_plan, event))
        # Routing on the day: the enterprise's union if it had one, else the event's union.
        receiving = enterprise.union if event_plan.union_then else zgc
        if receiving is None:
            raise ValueError(f"{enterprise.name} has no union")
        rows += [
            _Row(applicant, receiving, enterprise, event, zgc_admin)
            for applicant in event_plan.applicants
        ]
    hlg_rows: list[_Row] = []
    for direct in plan.direct:
        employer = enterprises[direct.enterprise] if direct.enterprise else None
        receiving = (employer.union if employer else None) or orgs[direct.org]
        reviewer = hlg_staff if direct.org == HLG else zgc_admin
        row = _Row(
            direct.applicant,
            receiving,
            employer,
            None,
            reviewer,
            worker if direct.is_demo_worker else None,
        )
        (hlg_rows if direct.org == HLG else rows).append(row)
    _write(rows, actor=zgc_admin, org=zgc, source="demo data: 2026 双沟通 events")
    _write(hlg_rows, actor=hlg_staff, org=hlg, source="demo data: online applications")
    for event_plan, event in events:
        RecruitmentEvent.objects.filter(pk=event.pk).update(
            scans=event_plan.scans,
            gifts_given=sum(1 for a in event_plan.applicants if a.gift_at is not None),
        )
    sohu_event = next(event for event_plan, event in events if event_plan.company == SOHU)
    sohu_union = enterprises[SOHU].union
    assert sohu_union is not None
    _move_to_sohu_union(
        sohu_event, zgc=zgc, union=sohu_union, zgc_admin=zgc_admin, sohu_staff=sohu_staff
    )
    _open_event(hlg_staff, hlg, now or timezone.now())


# The event open from the moment the demo is loaded, so that the README's joining journey (a
# worker scans the poster and applies) can be walked whenever the demo runs.
OPEN_EVENT_TITLE = "回龙观快递员入会服务周"


def _open_event(actor: User, hlg: Org, now: datetime) -> RecruitmentEvent:
    return create_recruitment_event(
        actor=actor,
        org=hlg,
        enterprise=None,
        title=OPEN_EVENT_TITLE,
        place="回龙观地铁站工会驿站",
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(days=14),
        target=300,
        gift_name="反光雨衣",
        gift_stock=300,
    )
