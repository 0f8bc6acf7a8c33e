"""The demo's member service directory (服务体系), as the seed page tells it: the federation
brings regional enterprises' and government resources to its members — 政务服务, 交通出行,
餐饮美食 — and the needs its workers named: 同城生活, 休闲社交, 心理关怀.

- Providers around 中关村 and 回龙观: the union's own 职工心理服务站 and 青年联谊会, the 海淀区
  政务服务中心, the bus group and a shared-bike partner, a noodle house and a salad bar, a
  home-services company and a laundry, a cinema, and a counselling centre.
- Member offers (普惠), among them a scarce one: a free month of shared bikes for "the first
  12,500 members", split between 海淀 (7,500) and 昌平 (5,000); one opening in a few days.
- Every provider has a redemption account; the counselling centre's is `provider_demo` (the
  demo password), the one the README's walk-through uses.
- Members claimed and used offers over the last four weeks — through the claiming and
  redeeming actions themselves, at the time they happened, so the counters, the daily tallies
  and the figures agree — and opened the service pages (views written per day as the view
  counter would). 李师傅 holds an unused bike month in his wallet and used a laundry offer.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.benefits import actions, claiming, redeeming
from gonghui.benefits import metrics as benefits_metrics
from gonghui.benefits.models import (
    Claim,
    Offer,
    OfferQuota,
    Provider,
    ProviderAccount,
    Service,
    ServiceDay,
)
from gonghui.demo.logins import DEMO_PASSWORD
from gonghui.members.models import Member
from gonghui.orgs import tallies
from gonghui.orgs.models import Org

SEED = 20261125
ZGC = "中关村科学城总工会"
HAIDIAN = "海淀区总工会"
CHANGPING = "昌平区总工会"
HLG = "回龙观街道总工会"
BUS_UNION = "北京公交集团工会"
PROVIDER_DEMO = "provider_demo"
HISTORY_DAYS = 28


@dataclass
class OfferPlan:
    title: str
    kind: str
    terms: str
    quota: int | None
    per_member_limit: int = 1
    opened_days_ago: int = 30  # claiming opened then (negative: opens in the future)
    open_days: int = 90
    usable_days: int | None = 120  # after claiming opens
    shares: dict[str, int] = field(default_factory=dict)
    claims: int = 0  # made by the demo's members over the last weeks
    redeemed_share: float = 0.0


@dataclass
class ServicePlan:
    provider: str
    category: str
    title: str
    summary: str
    description: str
    address: str
    district: str
    street: str
    opening_hours: str
    on_site: str = ""
    phone: str = ""
    link: str = ""
    audience: str = "members"
    audience_org: str = ""
    org: str = ZGC
    daily_views: int = 20
    offers: list[OfferPlan] = field(default_factory=list)


# name, kind, managing org, public phone, address, contact
PROVIDERS: list[tuple[str, str, str, str, str, str]] = [
    (
        "中关村科学城总工会职工心理服务站",
        "union",
        ZGC,
        "010-82690000",
        "海淀区中关村大街27号",
        "孙老师",
    ),
    (
        "京心心理咨询中心（中关村）",
        "enterprise",
        ZGC,
        "010-62551234",
        "海淀区海淀大街38号",
        "赵主任",
    ),
    ("海淀区政务服务中心", "government", HAIDIAN, "010-88487000", "海淀区四季青路7号", "服务台"),
    ("北京公交集团", "enterprise", BUS_UNION, "96166", "丰台区莲花池东路甲5号", "客服中心"),
    ("京畅共享单车", "enterprise", ZGC, "400-010-6666", "海淀区上地十街1号", "合作部"),
    (
        "老北京炸酱面馆（中关村店）",
        "enterprise",
        ZGC,
        "010-62605588",
        "海淀区中关村东路18号",
        "王经理",
    ),
    (
        "禾田轻食（中关村软件园店）",
        "enterprise",
        ZGC,
        "010-82827766",
        "海淀区东北旺西路8号",
        "李店长",
    ),
    ("京邻家政服务（海淀）", "enterprise", ZGC, "400-600-8899", "海淀区学院路30号", "客服"),
    (
        "快洗侠洗衣（回龙观店）",
        "enterprise",
        HLG,
        "010-80758899",
        "昌平区回龙观西大街9号",
        "刘老板",
    ),
    (
        "中关村影城",
        "enterprise",
        ZGC,
        "010-62628888",
        "海淀区中关村大街19号新中关购物中心",
        "市场部",
    ),
    (
        "中关村科学城总工会青年职工联谊会",
        "union",
        ZGC,
        "010-82690011",
        "海淀区中关村大街27号",
        "周干事",
    ),
]

SERVICES: list[ServicePlan] = [
    ServicePlan(
        "京心心理咨询中心（中关村）",
        "mental_care",
        "职工一对一心理咨询",
        "国家二级心理咨询师面询，会员首次免费",
        "工作压力、情绪困扰、亲子与婚恋关系……由持证咨询师一对一面询，每次50分钟，严格保密。",
        "海淀区海淀大街38号3层",
        "海淀区",
        "海淀街道",
        "周一至周六 9:00-21:00",
        on_site="领取优惠后电话预约时间，到店出示“我的优惠”中的二维码。",
        phone="010-62551234",
        daily_views=35,
        offers=[
            OfferPlan(
                "免费一对一心理咨询（50分钟）",
                "free_item",
                "每位会员限领一次，需提前一天预约。",
                300,
                claims=140,
                redeemed_share=0.6,
            )
        ],
    ),
    ServicePlan(
        "中关村科学城总工会职工心理服务站",
        "mental_care",
        "24小时职工心理援助热线",
        "夜里睡不着、压力大，随时打",
        "由工会心理服务站与专业机构共同值守，全年无休。",
        "海淀区中关村大街27号",
        "海淀区",
        "中关村街道",
        "全天24小时",
        phone="010-82690000",
        audience="public",
        daily_views=18,
    ),
    ServicePlan(
        "中关村科学城总工会职工心理服务站",
        "mental_care",
        "减压团体沙龙（每月一期）",
        "正念、音乐放松与团体分享",
        "每期限20人，适合新就业形态劳动者和科技企业职工。",
        "海淀区中关村大街27号职工之家",
        "海淀区",
        "中关村街道",
        "每月第二个周六 14:00-16:30",
        on_site="到职工之家二层报到，出示沙龙入场券。",
        audience="subtree",
        audience_org=ZGC,
        daily_views=12,
        offers=[
            OfferPlan(
                "减压沙龙入场券",
                "ticket",
                "每期20席，先到先得。",
                60,
                claims=45,
                redeemed_share=0.7,
            )
        ],
    ),
    ServicePlan(
        "海淀区政务服务中心",
        "government",
        "社保医保业务“工会会员绿色通道”",
        "社保转移、医保报销、居住证办理优先叫号",
        "新就业形态劳动者可凭电子会员证在“工会会员服务窗口”优先办理社保、医保和居住证相关业务。",
        "海淀区四季青路7号一层",
        "海淀区",
        "四季青镇",
        "工作日 9:00-17:00",
        on_site="到一层取号机旁的工会会员服务窗口，出示电子会员证或优先号。",
        link="https://zwfw.bjhd.gov.cn/",
        org=HAIDIAN,
        daily_views=25,
        offers=[
            OfferPlan(
                "优先叫号券",
                "ticket",
                "当日有效，每人每次一张。",
                500,
                per_member_limit=3,
                claims=120,
                redeemed_share=0.8,
            )
        ],
    ),
    ServicePlan(
        "北京公交集团",
        "transport",
        "公交一卡通会员充值优惠",
        "充100元送10元乘车额度",
        "在指定充值网点出示电子会员证，为北京一卡通充值享受赠送额度。",
        "全市公交一卡通充值网点",
        "海淀区",
        "中关村街道",
        "各网点营业时间",
        on_site="到网点柜台出示优惠二维码与一卡通。",
        phone="96166",
        org=BUS_UNION,
        daily_views=22,
        offers=[
            OfferPlan(
                "一卡通充值赠10元",
                "coupon",
                "每月限领一次。",
                3000,
                claims=260,
                redeemed_share=0.55,
            )
        ],
    ),
    ServicePlan(
        "京畅共享单车",
        "transport",
        "会员免费骑行月卡",
        "前12,500名会员免费领取30天骑行月卡",
        "送给快递员、外卖骑手和每一位通勤的会员："
        "每天不限次数、每次前2小时免费。领取后在京畅App“卡券”中激活。",
        "海淀区、昌平区全域停车点",
        "海淀区",
        "上地街道",
        "全天",
        on_site="在App中扫码激活，或到合作网点出示二维码核销。",
        link="https://example.com/jingchang",
        daily_views=160,
        offers=[
            OfferPlan(
                "免费骑行月卡（前12,500名会员）",
                "coupon",
                "海淀区会员7,500张、昌平区会员5,000张，领完即止；每人限领一张。",
                12500,
                opened_days_ago=14,
                open_days=30,
                usable_days=60,
                shares={HAIDIAN: 7500, CHANGPING: 5000},
                claims=1500,
                redeemed_share=0.35,
            )
        ],
    ),
    ServicePlan(
        "老北京炸酱面馆（中关村店）",
        "dining",
        "会员用餐八折",
        "炸酱面、卤煮、京味小菜",
        "工会会员堂食八折（酒水除外），外卖平台订单不参加。",
        "海淀区中关村东路18号",
        "海淀区",
        "中关村街道",
        "10:30-21:30",
        on_site="结账前出示优惠二维码。",
        phone="010-62605588",
        daily_views=40,
        offers=[
            OfferPlan(
                "堂食八折券",
                "discount",
                "每张限用一次，每人最多领五张。",
                None,
                per_member_limit=5,
                claims=220,
                redeemed_share=0.75,
            )
        ],
    ),
    ServicePlan(
        "禾田轻食（中关村软件园店）",
        "dining",
        "加班餐会员价",
        "沙拉、能量碗、低脂简餐",
        "晚上8点后下单的加班餐会员价立减8元。",
        "海淀区东北旺西路8号软件园二期",
        "海淀区",
        "西北旺镇",
        "8:00-22:00",
        on_site="到店或自提时出示优惠二维码。",
        daily_views=15,
        offers=[
            OfferPlan(
                "加班餐立减8元",
                "coupon",
                "20:00后使用。",
                800,
                per_member_limit=2,
                claims=90,
                redeemed_share=0.6,
            )
        ],
    ),
    ServicePlan(
        "京邻家政服务（海淀）",
        "city_life",
        "家电清洗会员七折",
        "空调、油烟机、洗衣机深度清洗",
        "预约上门清洗家电，工会会员七折。",
        "上门服务（海淀区全境）",
        "海淀区",
        "学院路街道",
        "8:00-20:00",
        on_site="师傅上门时出示优惠二维码。",
        phone="400-600-8899",
        daily_views=14,
        offers=[
            OfferPlan(
                "家电清洗七折券",
                "discount",
                "单次订单可用一张。",
                1000,
                claims=70,
                redeemed_share=0.5,
            )
        ],
    ),
    ServicePlan(
        "快洗侠洗衣（回龙观店）",
        "city_life",
        "快递小哥工装免费洗",
        "回龙观的快递员、外卖骑手工装免费清洗一次",
        "回龙观街道总工会联合社区洗衣店，为新就业形态劳动者免费清洗工装一次，次日可取。",
        "昌平区回龙观西大街9号",
        "昌平区",
        "回龙观街道",
        "8:00-21:00",
        on_site="送洗时出示优惠二维码。",
        phone="010-80758899",
        audience="subtree",
        audience_org=HLG,
        org=HLG,
        daily_views=10,
        offers=[
            OfferPlan(
                "工装免费清洗一次", "free_item", "每人一次。", 300, claims=60, redeemed_share=0.8
            )
        ],
    ),
    ServicePlan(
        "中关村影城",
        "leisure",
        "会员观影9.9元",
        "每周二会员日，2D场次9.9元",
        "在影城前台出示优惠二维码购票，特殊场次除外。",
        "海淀区中关村大街19号新中关购物中心5层",
        "海淀区",
        "中关村街道",
        "10:00-24:00",
        on_site="前台购票时出示二维码。",
        daily_views=55,
        offers=[
            OfferPlan(
                "周二会员观影券",
                "ticket",
                "每人每月两张。",
                2000,
                per_member_limit=2,
                claims=300,
                redeemed_share=0.65,
            ),
            OfferPlan(
                "新春观影专场",
                "ticket",
                "春节前专场，每人一张。",
                500,
                opened_days_ago=-5,
                open_days=20,
            ),
        ],
    ),
    ServicePlan(
        "中关村科学城总工会青年职工联谊会",
        "leisure",
        "青年职工交友联谊",
        "户外徒步、桌游、读书会",
        "面向中关村单身青年职工的交友活动，每月一场，工会组织、实名报名、安全可靠。",
        "海淀区中关村大街27号职工之家",
        "海淀区",
        "中关村街道",
        "每月最后一个周六",
        on_site="关注工会活动通知，报名后按时到场。",
        audience="subtree",
        audience_org=ZGC,
        daily_views=30,
    ),
]


def _moments(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` moments between start and end, in order, in the daytime (8:00-21:59)."""
    span = max((end - start).total_seconds(), 60.0)
    moments = []
    for _ in range(count):
        local = timezone.localtime(start + timedelta(seconds=rng.uniform(0, span)))
        at = local.replace(hour=rng.randint(8, 21))
        moments.append(min(max(at, start), end))
    return sorted(moments)


def load_benefits(*, staff: dict[str, User], worker: User, now: datetime | None = None) -> None:
    """Write the providers, services and offers, the redemption accounts, and four weeks of
    views, claims and redemptions (the union tree, staff, members and the worker exist)."""
    now = now or timezone.now()
    rng = random.Random(SEED)
    operator = User.objects.filter(is_superuser=True).earliest("pk")
    orgs = {
        org.name: org
        for org in Org.objects.filter(name__in=[ZGC, HAIDIAN, CHANGPING, HLG, BUS_UNION])
    }
    providers: dict[str, Provider] = {}
    accounts: dict[str, ProviderAccount] = {}
    for number, (name, kind, org_name, phone, address, contact) in enumerate(PROVIDERS, 1):
        provider = actions.create_provider(
            actor=operator, org=orgs[org_name], name=name, kind=kind, contact_phone=phone,
            address=address, contact_name=contact,
        )  # fmt: skip
        providers[name] = provider
        username = PROVIDER_DEMO if name == "京心心理咨询中心（中关村）" else f"desk{number:02d}"
        accounts[name] = actions.create_provider_account(
            actor=operator, provider=provider, username=username, name=f"{name}核销员",
            password=DEMO_PASSWORD,
        )  # fmt: skip
    members = list(
        Member.objects.filter(status=Member.Status.ACTIVE)
        .select_related("org")
        .only("pk", "name", "status", "org_id", "org__path", "org__name", "user_id")
        .order_by("pk")
    )
    worker_member = Member.objects.select_related("org").filter(user=worker).first()
    # 李师傅's wallet is written below, as the walk-through tells it.
    members = [m for m in members if worker_member is None or m.pk != worker_member.pk]
    start = now - timedelta(days=HISTORY_DAYS)
    planned: list[tuple[ServicePlan, Service, list[tuple[OfferPlan, Offer]]]] = []
    for plan in SERVICES:
        service = actions.create_service(
            actor=operator, provider=providers[plan.provider], org=orgs[plan.org],
            audience_org=orgs[plan.audience_org] if plan.audience_org else None, publish=True,
            category=plan.category, title=plan.title, summary=plan.summary,
            description=plan.description, address=plan.address, district=plan.district,
            street=plan.street, opening_hours=plan.opening_hours, on_site=plan.on_site,
            phone=plan.phone, link=plan.link, audience=plan.audience,
        )  # fmt: skip
        offers = []
        for offer_plan in plan.offers:
            opens = (now - timedelta(days=offer_plan.opened_days_ago)).replace(
                minute=0, second=0, microsecond=0
            )
            offer = actions.create_offer(
                actor=operator, service=service, title=offer_plan.title, kind=offer_plan.kind,
                terms=offer_plan.terms, quota=offer_plan.quota,
                per_member_limit=offer_plan.per_member_limit, claims_open_at=opens,
                claims_close_at=opens + timedelta(days=offer_plan.open_days),
                redeem_until=opens + timedelta(days=offer_plan.usable_days)
                if offer_plan.usable_days else None,
                shares=[(orgs[name], n) for name, n in offer_plan.shares.items()], publish=True,
            )  # fmt: skip
            offers.append((offer_plan, offer))
        planned.append((plan, service, offers))
    _views(rng, planned, now)
    for plan, service, offers in planned:
        for offer_plan, offer in offers:
            _claims(rng, offer_plan, offer, service, members, accounts[plan.provider], start, now)
    if worker_member is not None:
        _worker_wallet(worker_member, planned, accounts, now)


def _views(
    rng: random.Random, planned: list[tuple[ServicePlan, Service, Any]], now: datetime
) -> None:
    """The service pages' views of the last weeks, per day, as record_view counts them."""
    today = timezone.localdate(now)
    rows: list[ServiceDay] = []
    for plan, service, _offers in planned:
        for back in range(HISTORY_DAYS, -1, -1):
            day = today - timedelta(days=back)
            # Busier on working days, and the bike month drew a crowd when it opened.
            weight = 1.0 if day.weekday() < 5 else 0.6
            views = max(int(rng.gauss(plan.daily_views * weight, plan.daily_views * 0.25)), 0)
            if views:
                rows.append(ServiceDay(service=service, day=day, views=views))
                tallies.count(service.org_id, benefits_metrics.VIEWS, views, on=day)
    ServiceDay.objects.bulk_create(rows)


def _eligible(members: list[Member], service: Service, offer: Offer) -> list[Member]:
    paths = [q.org.path for q in offer.org_quotas.select_related("org")]
    found = []
    for member in members:
        if not claiming.in_audience(member.org.path, service):
            continue
        if paths and not any(member.org.path.startswith(path) for path in paths):
            continue
        found.append(member)
    return found


def _claims(
    rng: random.Random, plan: OfferPlan, offer: Offer, service: Service, members: list[Member],
    account: ProviderAccount, start: datetime, now: datetime,
) -> None:  # fmt: skip
    """Members claimed at the time they did, some used it days later: written as rows in one
    set, by the rules claim_offer and redeem_code judge one claim with (open window, the
    service's days, the member's share and the quotas; usable until the offer's or service's
    end), because 2,800 claims through the actions took a third of the demo's start. The
    worker's wallet below goes through the actions themselves."""
    if not plan.claims:
        return
    loaded = Offer.objects.select_related(
        "service", "service__provider", "service__audience_org"
    ).get(pk=offer.pk)
    candidates = _eligible(members, service, loaded)
    chosen = rng.sample(candidates, min(plan.claims, len(candidates)))
    begin = max(start, offer.claims_open_at + timedelta(minutes=5))
    shares = list(OfferQuota.objects.filter(offer=offer).select_related("org").order_by("pk"))
    claims: list[Claim] = []
    for member, at in zip(chosen, _moments(rng, len(chosen), begin, now), strict=True):
        today = timezone.localdate(at)
        if not loaded.claims_open_at <= at <= loaded.claims_close_at or (
            (service.valid_from and today < service.valid_from)
            or (service.valid_until and today > service.valid_until)
        ):
            continue
        mine = next((q for q in shares if member.org.path.startswith(q.org.path)), None)
        if shares and (mine is None or mine.claimed >= mine.quota):
            continue
        if loaded.quota is not None and loaded.claimed >= loaded.quota:
            continue
        if mine is not None:
            mine.claimed += 1
        loaded.claimed += 1
        claims.append(
            Claim(offer=offer, member=member, org_id=member.org_id, share=mine, claimed_at=at)
        )
    for claim in claims:
        if rng.random() >= plan.redeemed_share:
            continue
        # Used within the next days, during opening hours.
        used_at = timezone.localtime(claim.claimed_at + timedelta(days=rng.randint(0, 5))).replace(
            hour=rng.randint(9, 20), minute=rng.randint(0, 59)
        )
        if used_at <= claim.claimed_at:
            used_at += timedelta(days=1)
        claim.offer = loaded
        until = redeeming.usable_until(claim)
        if used_at < now and (until is None or used_at <= until):
            claim.status = Claim.Status.REDEEMED
            claim.redeemed_at = used_at
            claim.redeemed_by = account.user
            claim.method = Claim.Method.CODE
    Claim.objects.bulk_create(claims)
    redeemed = [claim for claim in claims if claim.redeemed_at is not None]
    Offer.objects.filter(pk=offer.pk).update(claimed=loaded.claimed, redeemed=len(redeemed))
    for share in shares:
        OfferQuota.objects.filter(pk=share.pk).update(claimed=share.claimed)
    counts: Counter[tuple[int, date, str]] = Counter()
    for claim in claims:
        counts[(claim.org_id, tallies.local_day(claim.claimed_at), benefits_metrics.CLAIMS)] += 1
    for claim in redeemed:
        assert claim.redeemed_at is not None
        day = tallies.local_day(claim.redeemed_at)
        counts[(claim.org_id, day, benefits_metrics.REDEMPTIONS)] += 1
    tallies.count_many(counts)


def _worker_wallet(
    member: Member,
    planned: list[tuple[ServicePlan, Service, list[tuple[OfferPlan, Offer]]]],
    accounts: dict[str, ProviderAccount],
    now: datetime,
) -> None:
    """李师傅 (a courier at 回龙观): a bike month ready to use, and his work clothes washed."""
    by_title = {offer.title: (plan, offer) for plan, _s, offers in planned for _p, offer in offers}
    for title, used in (("免费骑行月卡（前12,500名会员）", False), ("工装免费清洗一次", True)):
        plan, offer = by_title[title]
        loaded = Offer.objects.select_related(
            "service", "service__provider", "service__audience_org"
        ).get(pk=offer.pk)
        claimed_at = now - timedelta(days=3, hours=2)
        claim = claiming.claim_offer(member=member, offer=loaded, now=claimed_at)
        claim.offer = loaded
        if used:
            redeeming.redeem_code(
                account=accounts[plan.provider], code=claiming.code_of(claim),
                at=claimed_at + timedelta(hours=20),
            )  # fmt: skip
