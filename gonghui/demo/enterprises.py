"""The demo's enterprises and union foundings (建会), as the seed page tells them.

- 中关村科学城总工会: 582 enterprises with a union, covering 199,128 workers (the seed's
  figures, computed from the rows). Among them 搜狐, 小米, 贝壳找房 and 掌趣科技; 搜狐's union is
  founded through a real founding case whose congress met on 2026-10-19.
- Enterprises without a union in 中关村 at every founding stage, one of them stepped back.
- Courier branches under 回龙观, a few enterprises under 德胜, 西城 and 门头沟, among them the
  seed's fire-drill company 北京建工新材新科公司.

Names, credit codes, headcounts and contacts are generated from a fixed random seed, so the
demo is the same on every machine. The 578 historical unions of 中关村 are written in bulk (as
an import would) with one summary audit entry; everything else goes through the actions.
"""

import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Max

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.tree import STEP, step
from gonghui.enterprises.actions import (
    advance_founding_case,
    clean_enterprise_fields,
    create_enterprise,
    open_founding_case,
    record_existing_union,
    step_back_founding_case,
)
from gonghui.enterprises.credit_code import ALPHABET, check_character
from gonghui.enterprises.models import Enterprise, FoundingCase, Industry
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind

SEED = 20261019
ZGC = "中关村科学城总工会"
HLG = "回龙观街道总工会"
DESHENG = "德胜街道总工会"
XICHENG = "西城区总工会"
MENTOUGOU = "门头沟区总工会"

# The seed page: 中关村科学城建会企业582家，覆盖职工199128人。
ZGC_ENTERPRISES_WITH_UNION = 582
ZGC_WORKERS_COVERED = 199_128

SOHU = "搜狐集团（北京）有限公司"
SOHU_UNION = "搜狐集团（北京）工会"
SOHU_OPENED = date(2026, 7, 28)
SOHU_RECRUITING = date(2026, 8, 10)
SOHU_CONGRESS = date(2026, 10, 19)

# Administrative divisions (characters 3–8 of a credit code).
HAIDIAN, CHANGPING, XICHENG_DIV, MENTOUGOU_DIV = "110108", "110114", "110102", "110109"

# Haidian's streets and towns, weighted by how many high-tech firms sit there, with roads.
HAIDIAN_STREETS: dict[str, tuple[int, tuple[str, ...]]] = {
    "中关村街道": (16, ("中关村大街", "知春路", "科学院南路", "北四环西路")),
    "海淀街道": (12, ("海淀大街", "苏州街", "丹棱街", "海淀中街")),
    "学院路街道": (10, ("学院路", "成府路", "志新路", "林业大学北路")),
    "清华园街道": (4, ("清华东路", "双清路")),
    "燕园街道": (3, ("颐和园路", "中关村北大街")),
    "上地街道": (18, ("上地信息路", "上地十街", "上地东路", "上地西路", "上地五街")),
    "马连洼街道": (6, ("马连洼北路", "圆明园西路")),
    "西北旺镇": (12, ("东北旺西路", "永丰路", "北清路", "西北旺东路")),
    "青龙桥街道": (2, ("北坞村路", "颐和园路")),
    "清河街道": (8, ("安宁庄东路", "清河中街", "西二旗大街")),
    "紫竹院街道": (4, ("中关村南大街", "紫竹院路")),
    "北太平庄街道": (3, ("北太平庄路", "学院南路")),
    "花园路街道": (3, ("花园北路", "牡丹园北里")),
    "田村路街道": (2, ("田村路", "西四环北路")),
}

# Middle parts of company names: (words, industry section, weight).
TRADES: list[tuple[str, str, int]] = [
    ("科技", Industry.RESEARCH, 14),
    ("信息技术", Industry.IT, 14),
    ("网络科技", Industry.IT, 10),
    ("软件技术", Industry.IT, 7),
    ("智能科技", Industry.IT, 8),
    ("数据科技", Industry.IT, 5),
    ("互联网信息服务", Industry.IT, 3),
    ("生物技术", Industry.RESEARCH, 5),
    ("医药科技", Industry.RESEARCH, 3),
    ("检测技术", Industry.RESEARCH, 2),
    ("电子科技", Industry.MANUFACTURING, 6),
    ("微电子", Industry.MANUFACTURING, 3),
    ("医疗器械", Industry.MANUFACTURING, 3),
    ("精密仪器", Industry.MANUFACTURING, 2),
    ("新材料科技", Industry.MANUFACTURING, 3),
    ("智能装备", Industry.MANUFACTURING, 3),
    ("文化传媒", Industry.CULTURE, 2),
    ("教育科技", Industry.EDUCATION, 2),
    ("企业管理咨询", Industry.BUSINESS_SERVICES, 2),
]
BRAND_FIRST = "华博智联创云星天腾思远微数德信汇安睿恒卓鼎泰瑞宏万海金易捷融启航达光灵锦"
BRAND_SECOND = "宇达通源盛辰航迈锐拓维讯图域芯视澜川诚衡途峰瀚弘帆尚策码链力行识景凌"
# Two-character brands that belong to well-known firms: not used for invented companies.
REAL_BRANDS = {"华宇", "华通", "联达", "腾讯", "网易", "思源", "神州", "金山", "汇源", "达通"}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢"
    "蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚玲华飞鹏宇浩凯健俊帆雪琳晨欣婷颖佳楠瑶博睿轩然"
MOBILE_PREFIXES = (
    *("130", "131", "132", "133", "135", "136", "137", "138", "139"),
    *("150", "151", "152", "155", "156", "157", "158", "159", "166", "176", "177", "178"),
    *("180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199"),
)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Company:
    name: str
    credit_code: str
    industry: str
    district: str
    street: str
    address: str
    headcount: int
    gig_headcount: int
    contact_name: str
    contact_mobile: str

    def fields(self) -> dict[str, Any]:
        return asdict(self)


def _org_code_check(body: str) -> str:
    """The check character of a national organisation code (GB 11714)."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


class Maker:
    """Invents companies from word lists; names, codes and mobiles never repeat."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.brands = [
            a + b for a in BRAND_FIRST for b in BRAND_SECOND if a != b and a + b not in REAL_BRANDS
        ]
        self.rng.shuffle(self.brands)
        self.codes: set[str] = set()
        # The demo's staff and worker mobiles stay theirs.
        self.mobiles: set[str] = {"13800138000"} | {f"139100000{n:02d}" for n in range(100)}

    def brand(self) -> str:
        return self.brands.pop()

    def name(self) -> tuple[str, str]:
        """A Zhongguancun-style company name and its industry section."""
        trade, industry, _weight = self.rng.choices(TRADES, weights=[t[2] for t in TRADES])[0]
        brand = self.brand()
        form = self.rng.random()
        if form < 0.08:
            return f"{brand}（北京）{trade}有限公司", industry
        if form < 0.2:
            return f"北京{brand}{trade}股份有限公司", industry
        return f"北京{brand}{trade}有限公司", industry

    def credit_code(self, division: str) -> str:
        while True:
            if self.rng.random() < 0.45:  # registered since 2015: the "MA" series
                body = "MA0" + "".join(self.rng.choices(ALPHABET, k=5))
            else:
                body = self.rng.choice("5678") + "".join(self.rng.choices("0123456789", k=7))
            first17 = "91" + division + body + _org_code_check(body)
            code = first17 + check_character(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def person(self) -> str:
        given = "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        while True:
            mobile = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if mobile not in self.mobiles:
                self.mobiles.add(mobile)
                return mobile

    def haidian_place(self) -> tuple[str, str]:
        streets = list(HAIDIAN_STREETS)
        street = self.rng.choices(streets, weights=[HAIDIAN_STREETS[s][0] for s in streets])[0]
        road = self.rng.choice(HAIDIAN_STREETS[street][1])
        number = self.rng.randint(1, 68)
        if self.rng.random() < 0.4:
            return street, f"北京市海淀区{road}{number}号院{self.rng.randint(1, 12)}号楼"
        return street, f"北京市海淀区{road}{number}号"

    def gig_share(self, headcount: int) -> int:
        """New-employment-form workers: none in a third of firms, mostly up to a tenth."""
        draw = self.rng.random()
        if draw < 0.35:
            return 0
        share = self.rng.uniform(0.005, 0.10) if draw < 0.93 else self.rng.uniform(0.10, 0.25)
        return min(headcount, round(headcount * share))

    def haidian_company(
        self, headcount: int, *, name: str = "", industry: str = "", street: str = ""
    ) -> Company:
        invented_name, invented_industry = self.name()
        place_street, address = self.haidian_place()
        return Company(
            name=name or invented_name,
            credit_code=self.credit_code(HAIDIAN),
            industry=industry or invented_industry,
            district="海淀区",
            street=street or place_street,
            address="" if name else address,
            headcount=headcount,
            gig_headcount=self.gig_share(headcount),
            contact_name=self.person(),
            contact_mobile=self.mobile(),
        )

    def company(
        self, name: str, industry: str, place: tuple[str, str, str], headcount: int, gig: int
    ) -> Company:
        division, district, street = place
        return Company(
            name=name,
            credit_code=self.credit_code(division),
            industry=industry,
            district=district,
            street=street,
            address="",
            headcount=headcount,
            gig_headcount=gig,
            contact_name=self.person(),
            contact_mobile=self.mobile(),
        )

    def headcounts(self, count: int, total: int) -> list[int]:
        """`count` plausible headcounts summing exactly to `total`: a dozen firms of 1,000 to
        3,800, the rest between 30 and 800 (most around 200)."""
        low, high = 30, 800
        big = [self.rng.randint(1000, 3800) for _ in range(12)]
        rest_total = total - sum(big)
        rest = [self._lognormal(5.55, 0.7, low, high) for _ in range(count - len(big))]
        factor = rest_total / sum(rest)
        small = [min(high, max(low, round(v * factor))) for v in rest]
        if not low * len(small) <= rest_total <= high * len(small):
            raise ValueError("no plausible headcounts reach that total")
        diff = rest_total - sum(small)
        while diff:
            i = self.rng.randrange(len(small))
            # Move one firm by at most 25 towards the total, staying within the bounds.
            up, down = min(diff, high - small[i], 25), max(diff, low - small[i], -25)
            change = up if diff > 0 else down
            small[i] += change
            diff -= change
        counts = big + small
        self.rng.shuffle(counts)
        return counts

    def _lognormal(self, mu: float, sigma: float, low: int, high: int) -> float:
        while True:
            value = self.rng.lognormvariate(mu, sigma)
            if low <= value <= high:
                return value

    def union_date(self) -> date:
        """A union founded between 2008 and September 2026, most in the middle years."""
        first, last = date(2008, 1, 1), date(2026, 9, 30)
        days = (last - first).days
        return first + timedelta(days=round(self.rng.triangular(0, days, days * 0.55)))


# --- the data set (pure: the same every time) -----------------------------------------------


# An event of a founding case: ("open" | "advance" | "back", date, notes or reason).
Event = tuple[str, date, str]


@dataclass(frozen=True)
class Case:
    company: Company
    events: tuple[Event, ...]


@dataclass(frozen=True)
class DemoEnterprises:
    # (company, union founded on): 小米, 贝壳找房, 掌趣科技, whose unions are in the tree
    famous: list[tuple[Company, date]]
    historical: list[tuple[Company, date]]  # the other 中关村 enterprises with a union
    sohu: Case
    zgc_cases: list[Case]  # open founding cases in 中关村
    zgc_without_case: list[Company]
    elsewhere: list[tuple[str, Company, date | None]]  # (org name, company, union founded on)
    elsewhere_cases: list[tuple[str, Case]]


def _d(month: int, day: int) -> date:
    return date(2026, month, day)


SOHU_EVENTS: tuple[Event, ...] = (
    (
        "open",
        SOHU_OPENED,
        "7月，中关村科学城总工会在搜狐媒体大厦举办企业、职工“双沟通”活动，482名职工现场提交"
        "入会申请。活动后成立搜狐集团（北京）工会筹备组，启动工会组建筹备工作。",
    ),
    (
        "advance",
        SOHU_RECRUITING,
        "筹备组在“双沟通”活动基础上继续发展会员，整理入会申请，酝酿会员代表和委员候选人。",
    ),
    ("advance", SOHU_CONGRESS, "搜狐集团（北京）工会成立大会暨第一次代表大会召开"),
    (
        "advance",
        SOHU_CONGRESS,
        "中关村科学城总工会批复同意成立搜狐集团（北京）工会，选举产生的工会委员会和经费审查委员会"
        "同时获批。",
    ),
)

PREPARING_EVENTS: list[tuple[Event, ...]] = [
    (("open", _d(5, 18), "企业人力资源部牵头成立工会筹备组，报中关村科学城总工会备案。"),),
    (("open", _d(8, 3), "“双沟通”活动后企业同意组建工会，成立筹备组。"),),
    (("open", _d(9, 22), "走访企业后负责人同意建会，筹备组由行政、研发部门员工组成。"),),
    (("open", _d(10, 27), "筹备组成立；研发人员居多，计划结合“工匠精神”研讨宣传入会。"),),
    (("open", _d(11, 9), "筹备组成立，待企业确定工会经费拨缴方式。"),),
    (("open", _d(11, 17), "“双沟通”活动后成立筹备组，正在拟定会员发展计划。"),),
]
RECRUITING_EVENTS: list[tuple[Event, ...]] = [
    (
        ("open", _d(3, 9), "企业行政部牵头成立筹备组。"),
        ("advance", _d(4, 20), "筹备组发放入会申请表，开展会员登记。"),
    ),
    (
        ("open", _d(5, 11), "筹备组成立。"),
        ("advance", _d(6, 29), "举办“双沟通”活动，现场收到入会申请。"),
    ),
    (
        ("open", _d(6, 15), "筹备组成立。"),
        ("advance", _d(8, 24), "通过工会会员服务平台在线受理入会申请。"),
    ),
    (
        ("open", _d(7, 6), "“双沟通”活动后成立筹备组。"),
        ("advance", _d(9, 14), "筹备组分部门开展会员发展，骑手等新就业形态劳动者一并入会。"),
    ),
    (
        ("open", _d(8, 17), "筹备组成立。"),
        ("advance", _d(10, 12), "会员发展过半，开始酝酿委员候选人。"),
    ),
    (  # the stepped-back case: the congress had to be held again
        ("open", _d(4, 15), "筹备组成立。"),
        ("advance", _d(5, 20), "开展会员登记。"),
        ("advance", _d(8, 26), "召开工会成立大会。"),
        (
            "back",
            _d(9, 15),
            "成立大会到会会员不足应到会员的三分之二，选举无效，需补充发展会员后重新召开。",
        ),
    ),
]
CONGRESS_EVENTS: list[tuple[Event, ...]] = [
    (
        ("open", _d(4, 7), "筹备组成立。"),
        ("advance", _d(5, 25), "开展会员登记。"),
        ("advance", _d(9, 18), "召开工会成立大会，选举产生工会委员会和经费审查委员会，报请审批。"),
    ),
    (
        ("open", _d(6, 1), "“双沟通”活动后成立筹备组。"),
        ("advance", _d(7, 20), "会员发展完成。"),
        ("advance", _d(10, 28), "工会成立大会暨第一次会员大会召开，报请审批。"),
    ),
    (
        ("open", _d(7, 13), "筹备组成立。"),
        ("advance", _d(9, 1), "开展会员登记。"),
        ("advance", _d(11, 13), "召开工会成立大会，选举结果报中关村科学城总工会审批。"),
    ),
]
ZGC_WITHOUT_CASE = 25

# (enterprise, industry, street, headcount, union founded on); the union is in the tree already.
FAMOUS = [
    ("小米科技有限责任公司", "C", "清河街道", 6800, date(2014, 5, 16)),
    ("贝壳找房（北京）科技有限公司", "I", "上地街道", 3600, date(2019, 3, 28)),
    ("北京掌趣科技股份有限公司", "I", "清河街道", 650, date(2012, 8, 21)),
]
SOHU_HEADCOUNT = 2460

# Outside 中关村: where each organisation's enterprises are (division, district, street) …
PLACES = {
    HLG: (CHANGPING, "昌平区", "回龙观街道"),
    DESHENG: (XICHENG_DIV, "西城区", "德胜街道"),
    XICHENG: (XICHENG_DIV, "西城区", ""),
    MENTOUGOU: (MENTOUGOU_DIV, "门头沟区", ""),
}
# … and (org, enterprise, industry, headcount, new-employment-form workers, union founded on).
ELSEWHERE: list[tuple[str, str, str, int, int, date | None]] = [
    # The courier branches the 回龙观 street union visits (seed: 走访27个快递网点及驿站).
    (HLG, "北京中通快递有限公司回龙观分部", "G", 42, 35, None),
    (HLG, "北京圆通速递有限公司回龙观营业部", "G", 38, 30, None),
    (HLG, "北京韵达快递有限公司回龙观分部", "G", 35, 29, None),
    (HLG, "北京同成配送服务有限公司", "G", 65, 62, None),
    (HLG, "北京龙泽同城快送服务有限公司", "G", 28, 26, None),
    (DESHENG, "北京德外物业管理有限公司", "K", 168, 0, date(2016, 5, 12)),
    (DESHENG, "北京德胜安保服务有限公司", "L", 74, 6, None),
    # The seed's fire drill (近百名职工参与).
    (XICHENG, "北京建工新材新科公司", "C", 286, 0, date(2011, 6, 20)),
    # Where 门头沟's 安康杯 activities took place.
    (MENTOUGOU, "北京龙泉宾馆", "H", 210, 8, date(2009, 3, 16)),
    (MENTOUGOU, "北京绿京华生态园林股份有限公司", "N", 320, 12, date(2013, 9, 10)),
]
HLG_CASE = (
    "北京顺丰速运有限公司回龙观分公司",
    96,
    18,
    "街道总工会联合路客联盟走访快递网点后，网点负责人同意建会，成立工会筹备组。",
)


def build_dataset() -> DemoEnterprises:
    """Everything the demo writes about enterprises, computed from the fixed seed."""
    maker = Maker(SEED)
    famous = [
        (maker.haidian_company(heads, name=name, industry=industry, street=street), founded)
        for name, industry, street, heads, founded in FAMOUS
    ]
    sohu = Case(
        maker.haidian_company(SOHU_HEADCOUNT, name=SOHU, industry="I", street="中关村街道"),
        SOHU_EVENTS,
    )
    count = ZGC_ENTERPRISES_WITH_UNION - len(famous) - 1
    workers = ZGC_WORKERS_COVERED - SOHU_HEADCOUNT - sum(c.headcount for c, _on in famous)
    historical = [
        (maker.haidian_company(headcount), maker.union_date())
        for headcount in maker.headcounts(count, workers)
    ]
    open_events = PREPARING_EVENTS + RECRUITING_EVENTS + CONGRESS_EVENTS
    zgc_cases = [
        Case(maker.haidian_company(maker.rng.randint(40, 600)), events) for events in open_events
    ]
    zgc_without_case = [
        maker.haidian_company(maker.rng.randint(20, 450)) for _ in range(ZGC_WITHOUT_CASE)
    ]
    elsewhere = [
        (org, maker.company(name, industry, PLACES[org], heads, gig), founded)
        for org, name, industry, heads, gig, founded in ELSEWHERE
    ]
    name, heads, gig, notes = HLG_CASE
    hlg_case = Case(
        maker.company(name, "G", PLACES[HLG], heads, gig), (("open", _d(11, 18), notes),)
    )
    return DemoEnterprises(
        famous=famous,
        historical=historical,
        sohu=sohu,
        zgc_cases=zgc_cases,
        zgc_without_case=zgc_without_case,
        elsewhere=elsewhere,
        elsewhere_cases=[(HLG, hlg_case)],
    )


# --- writing it -----------------------------------------------------------------------------


def _walk(
    case: Case, *, actor: User, org: Org, responsible: User, union_name: str = ""
) -> FoundingCase:
    enterprise = create_enterprise(actor=actor, org=org, **case.company.fields())
    founding: FoundingCase | None = None
    for kind, on, text in case.events:
        if kind == "open":
            founding = open_founding_case(
                actor=actor,
                enterprise=enterprise,
                happened_on=on,
                responsible=responsible,
                notes=text,
            )
        elif founding is None:
            raise ValueError("a founding case starts with 'open'")
        elif kind == "advance":
            founding = advance_founding_case(
                actor=actor,
                case=founding,
                to_stage=founding.stage + 1,
                happened_on=on,
                responsible=responsible,
                notes=text,
                union_name=union_name,
            )
        else:
            founding = step_back_founding_case(
                actor=actor, case=founding, from_stage=founding.stage, reason=text, happened_on=on
            )
    if founding is None:
        raise ValueError("a founding case needs events")
    return founding


def _bulk_historical(actor: User, zgc: Org, historical: list[tuple[Company, date]]) -> None:
    """The 中关村 unions founded before the platform: union orgs and enterprises in bulk."""
    if not zgc.may_hold(OrgKind.ENTERPRISE):
        raise ValueError(f"{zgc} cannot hold enterprise unions")
    last = Org.objects.filter(parent=zgc).aggregate(last=Max("path"))["last"]
    first = int(last[-STEP:]) + 1 if last else 1
    Org.objects.bulk_create(
        [
            Org(
                parent=zgc,
                path=zgc.path + step(first + i),
                name=f"{company.name}工会",
                kind=OrgKind.ENTERPRISE,
                district=company.district,
                address=company.address,
            )
            for i, (company, _on) in enumerate(historical)
        ],
        batch_size=500,
    )
    union_ids = dict(Org.objects.filter(parent=zgc).values_list("path", "pk"))
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                org=zgc,
                union_id=union_ids[zgc.path + step(first + i)],
                union_established_on=established_on,
                **clean_enterprise_fields(company.fields()),
            )
            for i, (company, established_on) in enumerate(historical)
        ],
        batch_size=500,
    )
    audit.record(
        actor=actor,
        action="enterprises.enterprise.bulk_created",
        org=zgc,
        changes={
            "source": "demo data",
            "enterprises": len(historical),
            "unions": len(historical),
            "workers": sum(company.headcount for company, _on in historical),
            "established": [
                min(on for _c, on in historical).isoformat(),
                max(on for _c, on in historical).isoformat(),
            ],
        },
    )


def load_enterprises(*, operator: User, zgc_admin: User, hlg_staff: User) -> None:
    """Write the demo's enterprises and founding cases (the union tree and staff exist)."""
    data = build_dataset()
    orgs = {org.name: org for org in Org.objects.filter(name__in=[ZGC, *PLACES])}
    zgc = orgs[ZGC]
    for company, founded in data.famous:
        enterprise = create_enterprise(actor=zgc_admin, org=zgc, **company.fields())
        union = Org.objects.get(parent=zgc, name=f"{company.name}工会")
        record_existing_union(
            actor=zgc_admin, enterprise=enterprise, union=union, established_on=founded
        )
    _bulk_historical(operator, zgc, data.historical)
    _walk(data.sohu, actor=zgc_admin, org=zgc, responsible=zgc_admin, union_name=SOHU_UNION)
    for case in data.zgc_cases:
        _walk(case, actor=zgc_admin, org=zgc, responsible=zgc_admin)
    for company in data.zgc_without_case:
        create_enterprise(actor=zgc_admin, org=zgc, **company.fields())
    actors = {HLG: hlg_staff}
    for org_name, company, union_founded in data.elsewhere:
        actor, org = actors.get(org_name, operator), orgs[org_name]
        enterprise = create_enterprise(actor=actor, org=org, **company.fields())
        if union_founded is not None:
            union = create_org(
                actor=actor,
                parent=org,
                name=f"{company.name}工会",
                kind=OrgKind.ENTERPRISE,
                district=company.district,
            )
            record_existing_union(
                actor=actor, enterprise=enterprise, union=union, established_on=union_founded
            )
    for org_name, case in data.elsewhere_cases:
        actor = actors.get(org_name, operator)
        _walk(case, actor=actor, org=orgs[org_name], responsible=actor)
