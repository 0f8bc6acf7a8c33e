"""A flash crowd claiming a scarce offer, on PostgreSQL with real concurrent connections: the
quota, the shares and the per-member limit hold exactly, every run.

Run with GONGHUI_DATABASE_URL pointing at PostgreSQL (pytest -m postgres).
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from gonghui.benefits import actions, claiming
from gonghui.benefits.models import Claim, Offer, OfferQuota
from gonghui.benefits.tests.factories import make_provider, make_service
from gonghui.core.errors import DomainError
from gonghui.members import metrics as member_metrics
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs import tallies
from gonghui.orgs.models import Org, Tally

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tallies_exact"),
]

THREADS = 40


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("run this test with GONGHUI_DATABASE_URL pointing at PostgreSQL")


def members_at(orgs: list[Org], per_org: int, prefix: str) -> list[Member]:
    created = Member.objects.bulk_create(
        [
            Member(
                number=f"{prefix}{n:02d}{i:05d}",
                org=org,
                joined_on=timezone.localdate(),
                **person(),
            )
            for n, org in enumerate(orgs)
            for i in range(per_org)
        ]
    )
    # Members written in bulk count in their unions' stock, as a roster import counts them.
    tallies.count_many({tallies.stock(org.pk, member_metrics.ACTIVE): per_org for org in orgs})
    return list(Member.objects.select_related("org").filter(pk__in=[m.pk for m in created]))


def storm(offer: Offer, attempts: list[Member]) -> Counter[str]:
    """Every attempt at once from THREADS connections, each loading the offer as a request
    would; the answers by code ("claimed" or the refusal's)."""
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(chunk: list[Member]) -> None:
        try:
            barrier.wait()
            for member in chunk:
                loaded = Offer.objects.select_related(
                    "service", "service__provider", "service__audience_org"
                ).get(pk=offer.pk)
                try:
                    claiming.claim_offer(member=member, offer=loaded)
                    code = "claimed"
                except DomainError as refusal:
                    code = refusal.code
                with lock:
                    outcomes[code] += 1
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(attempts[i::THREADS],)) for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outcomes


def over_limit(offer: Offer, limit: int) -> int:
    return (
        Claim.objects.filter(offer=offer)
        .values("member")
        .annotate(n=Count("pk"))
        .filter(n__gt=limit)
        .count()
    )


def make_flash_offer(operator, service, **values) -> Offer:
    now = timezone.now()
    return actions.create_offer(
        actor=operator,
        service=service,
        title="前12500名会员观影券",
        kind="ticket",
        claims_open_at=now - timedelta(minutes=1),
        claims_close_at=now + timedelta(hours=1),
        publish=True,
        **values,
    )


def test_flash_claim_grants_exactly_the_quota_and_one_per_member(tree, operator):
    service = make_service(operator, make_provider(operator, tree.zgc), category="leisure")
    offer = make_flash_offer(operator, service, quota=250, per_member_limit=1)
    members = members_at([tree.zgc, tree.hlg], 300, "F")
    # Everyone presses twice, the two presses racing each other.
    outcomes = storm(offer, members + members)
    offer.refresh_from_db()
    assert outcomes["claimed"] == 250
    assert outcomes["claimed"] + outcomes["sold_out"] + outcomes["limit_reached"] == 1200
    assert offer.claimed == 250
    assert Claim.objects.filter(offer=offer).count() == 250
    assert over_limit(offer, 1) == 0
    claims_tallied = Tally.objects.filter(metric="benefits.claims").values_list("value", flat=True)
    assert sum(claims_tallied) == 250


def test_flash_claim_respects_every_share_and_the_total(tree, operator):
    service = make_service(operator, make_provider(operator, tree.zgc), category="dining")
    offer = make_flash_offer(
        operator,
        service,
        quota=150,
        per_member_limit=2,
        shares=[(tree.sohu, 40), (tree.hlg, 60), (tree.desheng, 100)],
    )
    members = members_at([tree.sohu, tree.station, tree.desheng, tree.zgc], 120, "S")
    # Three presses each with a limit of two.
    outcomes = storm(offer, members * 3)
    offer.refresh_from_db()
    assert outcomes["claimed"] == 150
    assert offer.claimed == 150
    assert Claim.objects.filter(offer=offer).count() == 150
    assert over_limit(offer, 2) == 0
    # 中关村's own members have no share: every one of their 360 presses is refused.
    assert outcomes["outside_share"] == 360
    for share in OfferQuota.objects.filter(offer=offer):
        rows = Claim.objects.filter(offer=offer, share=share).count()
        assert share.claimed == rows <= share.quota
    shares = OfferQuota.objects.filter(offer=offer)
    assert sum(shares.values_list("claimed", flat=True)) == 150
    # Which shares filled first depends on the race; that none passed its size does not.
    assert outcomes["share_sold_out"] + outcomes["sold_out"] + outcomes["limit_reached"] == (
        1440 - 360 - 150
    )
