"""Demo care campaigns from the seed, every movement through the care actions and so the
ledger (the dashboard's care tile reads nothing else):

- 回龙观: from November the street office, the street union and 路客联盟 raised anti-epidemic
  supplies and visited 27 courier depots and stations with 400+ emergency kits (应急防疫包).
  Here: 405 kits (15 a site) raised from 路客联盟 and others as donated goods (no price in
  the report), shipped to the 27 sites (one site each per station of demo.stations, its
  station id kept), signed for on the depot contacts' phones, six of them offline and uploaded
  later through the check-in nonces, one delivery short (14 of 15, a box damaged). Couriers
  who are members of the street union received a kit each at their depot, by card scan.
- 德胜: 1,236 chocolate-and-soda-biscuit packs (巧克力和苏打饼干套装) to front-line staff, and a
  special fund of 40,950 yuan spent on food and protective goods for about 300 people at four
  vaccination sites, visited twice. Here: the packs received (no price in the report, so
  none is posted) and shipped 309 to each of the four sites; the special fund buys 300 food
  and protection kits at 136.50 yuan (40,950.00 yuan), 75 to each site; 300 front-line workers
  (medical staff, security, cleaners, office staff and volunteers, recorded as members of the
  street union) receive a kit each, named in the campaign's published 公示; the packs were
  handed round at the sites without a list, so they stay received there (the reconciliation
  lists them as received but not handed out).

Supplier names and the four sites' names are the demo's own; the seed names neither.
"""

from datetime import date, datetime, time

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.care import actions
from gonghui.care.models import Campaign, CareSite
from gonghui.demo.members import People, _allocate_numbers
from gonghui.demo.rows import insert_rows
from gonghui.ledger.models import Fund
from gonghui.members.choices import JobType
from gonghui.members.models import Episode, Member
from gonghui.orgs.models import Org, OrgKind
from gonghui.stations.models import Station

YEAR = 2026
HLG = "回龙观街道总工会"
DESHENG = "德胜街道总工会"
KITS_PER_SITE = 15
OFFLINE_SITES = 6
SHORT_SITE = "云趣园韵达快递网点"
VACCINATION_SITES = [
    "德胜社区卫生服务中心疫苗接种点",
    "德外大街临时疫苗接种点",
    "新康社区疫苗接种点",
    "裕中社区疫苗接种点",
]
PACKS = 1_236
KIT_PRICE = 13_650  # fen: 40,950 yuan ÷ 300
FRONT_LINE = 300


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(date(YEAR, month, day), time(hour, 0)))


def _huilongguan(staff: User) -> Campaign:
    hlg = Org.objects.get(name=HLG)
    # The 27 depots and stations are the street union's station-level unions (demo.load).
    unions = list(Org.objects.filter(parent=hlg, kind=OrgKind.STATION).order_by("path"))
    stations = dict(
        Station.objects.filter(name__in=[u.name for u in unions]).values_list("name", "pk")
    )
    sites = [
        actions.create_site(
            actor=staff,
            org=union,
            name=union.name,
            kind=CareSite.Kind.STATION if "驿站" in union.name else CareSite.Kind.DEPOT,
            station_id=stations.get(union.name),
        )
        for union in unions
    ]
    kit = actions.create_item(actor=staff, org=hlg, name="应急防疫包", unit="份", unit_value=0)
    campaign = actions.create_campaign(
        actor=staff,
        org=hlg,
        details=actions.CampaignDetails(
            title="为快递小哥送应急防疫包",
            purpose=(
                "快递送货量激增，回龙观街道办事处携手街道总工会、路客联盟筹措防疫物资，准备防疫"
                "小贴士，走访27个快递网点及驿站，为快递小哥们送上应急防疫包。"
            ),
            starts_on=date(YEAR, 11, 1),
            ends_on=date(YEAR, 12, 31),
            cap_per_visit=300_000,
            cap_per_year=600_000,
            cash_allowed=False,
        ),
        sites=sites,
    )
    total = KITS_PER_SITE * len(sites)
    actions.receive_stock(
        actor=staff,
        campaign=campaign,
        item=kit,
        fund=Fund.DONATION,
        supplier="路客联盟等社会组织筹措",
        quantity=total,
        unit_price=0,
        day=date(YEAR, 11, 10),
    )
    for n, site in enumerate(sites):
        actions.allocate(
            actor=staff, campaign=campaign, site=site, item=kit, quantity=KITS_PER_SITE
        )
        shipment = actions.ship(
            actor=staff,
            campaign=campaign,
            site=site,
            item=kit,
            fund=Fund.DONATION,
            quantity=KITS_PER_SITE,
            day=date(YEAR, 11, 12 + n % 5),
        )
        short = site.name == SHORT_SITE
        receipt = actions.Receipt(
            received=KITS_PER_SITE - 1 if short else KITS_PER_SITE,
            signed_by="站点负责人",
            reason="一箱在运输中破损" if short else "",
            signed_at=_at(11, 12 + n % 5, 15),
            offline=n < OFFLINE_SITES,
        )
        if n < OFFLINE_SITES:  # signed at a depot without signal, uploaded when back online
            actions.upload_receipts(
                shipment=shipment, device=f"depot-phone-{n}", items=[(f"sign-{n}", receipt)]
            )
        else:
            actions.confirm_delivery(shipment=shipment, receipt=receipt)
    couriers = list(Member.objects.filter(org=hlg, status=Member.Status.ACTIVE).order_by("number"))
    for n, member in enumerate(couriers[: 4 * (KITS_PER_SITE - 1)]):
        site = sites[n % 4]
        actions.hand_out(
            actor=staff,
            campaign=campaign,
            site=site,
            handout=actions.Handout(
                member=member, kind="goods", fund=Fund.DONATION, item=kit, quantity=1
            ),
            method="card",
            at=_at(11, 20, 9 + n % 8),
        )
    return campaign


def _front_line(desheng: Org, count: int) -> list[Member]:
    """The 300 front-line workers at the vaccination sites, as members of the street union
    (written in bulk, as a roster import would)."""
    people = People(20261207)
    jobs = ["医务人员", "安保人员", "保洁人员", "街道机关工作人员", "志愿者"]
    rows = []
    numbers = _allocate_numbers(desheng, count)
    for n in range(count):
        person = people.person(
            kind="gig", job_type=JobType.OTHER, employer=jobs[n % 5], has_union=False
        )
        rows.append(
            {
                "number": numbers[n],
                "org_id": desheng.pk,
                "joined_on": date(YEAR, 3, 1),
                **person.fields(),
            }
        )
    keys = insert_rows(Member, rows)
    insert_rows(
        Episode,
        [
            {
                "member_id": key,
                "org_id": desheng.pk,
                "employer_name": row["employer_name"],
                "started_on": row["joined_on"],
            }
            for key, row in zip(keys, rows, strict=True)
        ],
    )
    return list(Member.objects.filter(pk__in=keys).order_by("pk"))


def _desheng(operator: User) -> Campaign:
    desheng = Org.objects.get(name=DESHENG)
    sites = [
        actions.create_site(actor=operator, org=desheng, name=name, kind=CareSite.Kind.VACCINATION)
        for name in VACCINATION_SITES
    ]
    packs = actions.create_item(actor=operator, org=desheng, name="巧克力和苏打饼干套装", unit="份")
    kits = actions.create_item(
        actor=operator, org=desheng, name="食品防护用品包", unit="份", unit_value=KIT_PRICE
    )
    campaign = actions.create_campaign(
        actor=operator,
        org=desheng,
        details=actions.CampaignDetails(
            title="慰问防疫一线工作人员",
            purpose=(
                "对地区防疫一线人员以及疫苗接种点工作人员进行走访慰问，将食品、防护用品等送到"
                "他们手中；投入专项资金购买食品、防护用品等，两次慰问地区四个疫苗接种点。"
            ),
            starts_on=date(YEAR, 11, 1),
            ends_on=date(YEAR, 12, 31),
            budgets={Fund.SPECIAL: 300 * KIT_PRICE},
            cap_per_visit=300_000,
            cap_per_year=600_000,
            cash_allowed=False,
        ),
        sites=sites,
    )
    actions.receive_stock(
        actor=operator,
        campaign=campaign,
        item=packs,
        fund=Fund.OWN_BUDGET,
        supplier="食品供应商（报道未载明）",
        quantity=PACKS,
        unit_price=0,
        day=date(YEAR, 11, 16),
    )
    actions.receive_stock(
        actor=operator,
        campaign=campaign,
        item=kits,
        fund=Fund.SPECIAL,
        supplier="北京华联综合超市德胜门店",
        invoice_number="11002026-00871",
        quantity=FRONT_LINE,
        unit_price=KIT_PRICE,
        day=date(YEAR, 11, 16),
    )
    for site in sites:
        for item, fund, quantity in (
            (packs, Fund.OWN_BUDGET, PACKS // 4),
            (kits, Fund.SPECIAL, FRONT_LINE // 4),
        ):
            shipment = actions.ship(
                actor=operator,
                campaign=campaign,
                site=site,
                item=item,
                fund=fund,
                quantity=quantity,
                day=date(YEAR, 11, 17),
            )
            actions.confirm_delivery(
                shipment=shipment,
                receipt=actions.Receipt(
                    received=quantity, signed_by="接种点负责人", signed_at=_at(11, 17, 14)
                ),
            )
    workers = _front_line(desheng, FRONT_LINE)
    for n, member in enumerate(workers):
        site = sites[n % 4]
        visit = _at(11, 18 if n < FRONT_LINE // 2 else 25, 9 + n % 8)
        actions.hand_out(
            actor=operator,
            campaign=campaign,
            site=site,
            handout=actions.Handout(
                member=member, kind="goods", fund=Fund.SPECIAL, item=kits, quantity=1
            ),
            at=visit,
        )
    actions.publish_disclosure(actor=operator, campaign=campaign)
    return campaign


def load_care(*, operator: User, staff: dict[str, User]) -> None:
    _huilongguan(staff["hlg_staff"])
    _desheng(operator)
