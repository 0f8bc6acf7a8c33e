"""Care relief and the ledger on PostgreSQL, each beside a baseline measured in the same run.

    python -m bench.care                      # 1,000 members; a city ledger of 1,000,000 postings
    python -m bench.care --postings 200000    # a quicker run of part 2

One run, on a throwaway database:

1. **Relief at a busy site.** 1,000 members of one street union, 8 staff devices at once (8
   threads, each its own connection, as 8 request workers would be): 4 hand out online, one
   member a call (`care.actions.hand_out`), 4 upload offline queues of 50
   (`care.actions.upload_handouts`, the check-in nonces), every queue sent twice (the retry of
   a lost answer); the members are dealt so that every one of them is tried by two devices,
   one online and one offline. Baseline: the same 8 threads writing the same number of
   balanced entries straight into the tables (two postings and the entry, one transaction
   each; the database's own balance triggers still run), without any of the action's checks.
   Printed: postings/s and the ratio, and counts: payouts, double payments (rows sharing
   campaign × person × kind: must be 0), the trial balance (must be 0 for every commodity).
2. **City balances.** A city tree (1 + 16 districts × 20 streets × 4 units = 1,617 unions) and
   N postings over a year (COPY, entries written after their postings so the triggers check
   each one), then `ledger.queries.balances(org, period)` for random unions at every level and
   random periods (a month, a quarter, the year): p50/p95 per level. Baseline: the same
   grouped sum over one leaf union's postings for the year (the smallest such query).

The exit status is non-zero only when a count is wrong, never for a timing.
"""

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import harness

MEMBERS = 1_000
DEVICES = 8
QUEUE = 50


def _setup_relief(members: int) -> dict[str, Any]:
    from django.utils import timezone

    from gonghui.accounts.models import RoleGrant, User
    from gonghui.care import actions
    from gonghui.ledger.models import Fund
    from gonghui.members.models import Member
    from gonghui.members.tests.factories import person
    from gonghui.orgs.actions import create_org

    operator = User.objects.create_superuser("bench-operator", "pw-bench-operator")
    root = create_org(actor=operator, parent=None, name="北京市总工会", kind="federation")
    street = create_org(actor=operator, parent=root, name="德胜街道总工会", kind="street")
    staff = []
    for n in range(DEVICES):
        user = User.objects.create_user(f"bench-staff-{n}", "pw", name=f"干部{n}")
        RoleGrant.objects.create(user=user, org=street, role="operator")
        staff.append(user)
    today = timezone.localdate()
    rows = [
        Member(number=f"B{n:06d}", org=street, joined_on=today, **person()) for n in range(members)
    ]
    Member.objects.bulk_create(rows, batch_size=500)
    site = actions.create_site(
        actor=operator, org=street, name="德胜疫苗接种点", kind="vaccination"
    )
    kit = actions.create_item(
        actor=operator, org=street, name="食品防护用品包", unit="份", unit_value=13_650
    )
    campaign = actions.create_campaign(
        actor=operator,
        org=street,
        details=actions.CampaignDetails(
            title="慰问一线",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=1),
            cap_per_visit=300_000,
            cap_per_year=600_000,
        ),
        sites=[site],
    )
    actions.receive_stock(
        actor=operator,
        campaign=campaign,
        item=kit,
        fund=Fund.SPECIAL,
        supplier="华联",
        quantity=members,
        unit_price=13_650,
        day=today,
    )
    shipment = actions.ship(
        actor=operator,
        campaign=campaign,
        site=site,
        item=kit,
        fund=Fund.SPECIAL,
        quantity=members,
        day=today,
    )
    actions.confirm_delivery(
        shipment=shipment, receipt=actions.Receipt(received=members, signed_by="站长")
    )
    return {
        "staff": staff,
        "street": street,
        "site": site,
        "kit": kit,
        "campaign": campaign,
        "members": list(Member.objects.filter(org=street).order_by("pk")),
    }


def _run_threads(work: list[Any]) -> float:
    from django.db import connection

    errors: list[str] = []
    barrier = threading.Barrier(len(work))

    def run(job: Any) -> None:
        try:
            barrier.wait()
            job()
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit("errors: " + "; ".join(errors[:5]))
    return elapsed


def relief(members: int) -> bool:
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from gonghui.care import actions
    from gonghui.care.models import Relief
    from gonghui.core.errors import DomainError
    from gonghui.ledger.models import Commodity, Entry, Payout, Posting
    from gonghui.ledger.queries import trial_balance

    world = _setup_relief(members)
    campaign, site, kit, staff = world["campaign"], world["site"], world["kit"], world["staff"]
    people = world["members"]
    # Device d tries members d, d+8, …; the online half and the offline half each cover all.
    half = DEVICES // 2
    online = [people[d::half] for d in range(half)]
    offline = [people[d::half] for d in range(half)]
    offline = offline[1:] + offline[:1]  # another device than the online one

    refused: list[str] = []

    def online_job(user: Any, batch: list[Any]) -> Any:
        def job() -> None:
            for member in batch:
                try:
                    actions.hand_out(
                        actor=user,
                        campaign=campaign,
                        site=site,
                        handout=actions.Handout(
                            member=member, kind="goods", fund="special", item=kit, quantity=1
                        ),
                    )
                except DomainError as refusal:
                    refused.append(refusal.code)

        return job

    def offline_job(user: Any, batch: list[Any], device: str) -> Any:
        def job() -> None:
            now = timezone.now()
            for start in range(0, len(batch), QUEUE):
                queue = [
                    actions.QueuedHandout(
                        f"{device}-{member.pk}",
                        actions.Handout(
                            member=member, kind="goods", fund="special", item=kit, quantity=1
                        ),
                        now,
                    )
                    for member in batch[start : start + QUEUE]
                ]
                for _attempt in range(2):  # the answer was lost: the device sends it again
                    actions.upload_handouts(
                        actor=user, campaign=campaign, site=site, device=device, items=queue
                    )

        return job

    before = Posting.objects.count()
    jobs = [online_job(staff[d], online[d]) for d in range(half)]
    jobs += [offline_job(staff[half + d], offline[d], f"tablet-{d}") for d in range(half)]
    elapsed = _run_threads(jobs)
    written = Posting.objects.count() - before
    rate = written / elapsed

    # Baseline: the same number of balanced entries, straight into the tables.
    entries = written // 2
    money = Commodity.objects.get(code=Commodity.MONEY)
    org_id = world["street"].pk
    today = timezone.localdate()

    def raw_job(count: int) -> Any:
        def job() -> None:
            with connection.cursor() as cursor:
                for _n in range(count):
                    entry = uuid.uuid4()
                    cursor.execute("BEGIN")
                    cursor.execute(
                        "INSERT INTO ledger_posting (entry_id, org_id, day, account,"
                        " commodity_id, amount, fund, purpose, place) VALUES"
                        " (%s,%s,%s,'source',%s,-1,'','bench',''),"
                        " (%s,%s,%s,'stock',%s,1,'','bench','')",
                        [entry, org_id, today, money.pk, entry, org_id, today, money.pk],
                    )
                    cursor.execute(
                        "INSERT INTO ledger_entry (id, org_id, day, kind, purpose, memo,"
                        " created_at) VALUES (%s,%s,%s,'bench','bench','',now())",
                        [entry, org_id, today],
                    )
                    cursor.execute("COMMIT")

        return job

    base_elapsed = _run_threads([raw_job(entries // DEVICES) for _ in range(DEVICES)])
    base_rate = (entries // DEVICES) * DEVICES * 2 / base_elapsed

    doubles = (
        Payout.objects.values("purpose", "beneficiary", "kind")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    payouts = Payout.objects.filter(purpose=campaign.key).count()
    reliefs = Relief.objects.filter(campaign=campaign).count()
    balance = trial_balance()
    print("\n## Relief at a busy site")
    print(
        f"members {members:,}, devices {DEVICES}"
        f" (4 online, 4 offline queues of {QUEUE}, each sent twice)"
    )
    print(f"relief postings written: {written:,} in {elapsed:.2f} s = {rate:,.0f} postings/s")
    print(
        f"baseline (bare balanced inserts): {base_rate:,.0f} postings/s;"
        f" ratio {rate / base_rate:.3f}"
    )
    codes = ", ".join(sorted(set(refused)))
    print(f"refused online attempts: {len(refused):,} ({codes})")
    print(f"payouts {payouts:,}, relief rows {reliefs:,}, double payments {doubles}")
    print(f"trial balance: {balance}")
    ok = payouts == members == reliefs and doubles == 0 and set(balance.values()) == {0}
    ok = ok and Entry.objects.filter(kind="care.relief").count() == members
    return ok


def _city(postings: int) -> dict[str, Any]:
    from django.db import connection

    from gonghui.core.tree import STEP
    from gonghui.ledger.models import Commodity
    from gonghui.orgs.models import Org

    def path(*steps: int) -> str:
        # Under a second root: part 1's street union sits under the first (00001).
        return "".join(f"{s:0{STEP}d}" for s in (2, *steps[1:]))

    rows: list[tuple[str, str, str, str | None]] = [(path(1), "北京市总工会", "federation", None)]
    for d in range(1, 17):
        rows.append((path(1, d), f"区{d}总工会", "federation", path(1)))
        for s in range(1, 21):
            rows.append((path(1, d, s), f"区{d}街道{s}总工会", "street", path(1, d)))
            for u in range(1, 5):
                rows.append(
                    (path(1, d, s, u), f"区{d}街道{s}单位{u}工会", "enterprise", path(1, d, s))
                )
    by_path: dict[str, Org] = {}
    for p, name, kind, parent in rows:
        by_path[p] = Org.objects.create(
            name=name, kind=kind, path=p, parent=by_path[parent] if parent else None
        )
    leaves = [org for p, org in by_path.items() if len(p) == 4 * STEP]
    streets = [org for p, org in by_path.items() if len(p) == 3 * STEP]
    districts = [org for p, org in by_path.items() if len(p) == 2 * STEP]
    goods = [
        Commodity.objects.create(code=f"bench:item{n}", name=f"物资{n}", unit="份", kind="goods")
        for n in range(3)
    ]
    money = Commodity.objects.get_or_create(
        code="CNY", defaults={"name": "人民币", "unit": "分", "kind": "money"}
    )[0]
    commodities = [money.pk, *(g.pk for g in goods)]
    funds = ["upper_grant", "own_budget", "special", "donation"]
    rng = random.Random(15)
    start = date(2026, 1, 1)
    harness.log(f"writing {postings:,} postings")
    entries: list[tuple[Any, ...]] = []
    raw = connection.connection  # psycopg
    written = 0
    with raw.cursor() as cursor:
        while written < postings:
            # A small first batch, then statistics, so that the balance trigger's lookup of an
            # entry's postings is planned on the index (an empty table has no statistics).
            batch = min(2_000 if not written else 100_000, postings - written)
            entries = []
            # One transaction a batch: the postings' foreign key to their entry is checked at
            # the commit, and the entries' balance triggers too.
            raw.execute("BEGIN")
            with cursor.copy(
                "COPY ledger_posting (entry_id, org_id, day, account, commodity_id, amount, fund,"
                " purpose, place) FROM STDIN"
            ) as copy:
                for _n in range(batch // 2):
                    entry = uuid.uuid4()
                    org = rng.choice(leaves)
                    day = start + timedelta(days=rng.randrange(365))
                    commodity = rng.choice(commodities)
                    fund = rng.choice(funds)
                    amount = rng.randrange(1, 10_000)
                    copy.write_row(
                        (entry, org.pk, day, "source", commodity, -amount, fund, "bench", "")
                    )
                    copy.write_row(
                        (entry, org.pk, day, "handed_out", commodity, amount, fund, "bench", "")
                    )
                    entries.append((entry, org.pk, day))
            with cursor.copy(
                "COPY ledger_entry (id, org_id, day, kind, purpose, memo, created_at) FROM STDIN"
            ) as copy:
                for entry, org_id, day in entries:
                    copy.write_row(
                        (entry, org_id, day, "bench", "bench", "", "2026-12-01 00:00:00+08")
                    )
            raw.execute("COMMIT")
            if not written:
                raw.execute("ANALYZE ledger_posting")
                raw.execute("ANALYZE ledger_entry")
            written += batch
            harness.log(f"  {written:,} postings")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_posting")
        cursor.execute("ANALYZE orgs_org")
    return {"root": by_path[path(1)], "districts": districts, "streets": streets, "leaves": leaves}


def balances(postings: int, rounds: int) -> bool:
    from gonghui.core.periods import Period
    from gonghui.ledger.queries import balances as ledger_balances
    from gonghui.ledger.queries import trial_balance

    city = _city(postings)
    rng = random.Random(7)
    periods = [Period(date(2026, m, 1), date(2026, m, 28)) for m in range(1, 13)] + [
        Period(date(2026, 4, 1), date(2026, 6, 30)),
        Period(date(2026, 1, 1), date(2026, 12, 31)),
    ]

    def timed(org: Any, period: Period) -> float:
        started = time.perf_counter()
        ledger_balances(org, period)
        return (time.perf_counter() - started) * 1000

    levels = {
        "city (all postings)": [city["root"]],
        "district": city["districts"],
        "street": city["streets"],
        "unit (leaf)": city["leaves"],
    }
    year = periods[-1]
    baseline = [timed(rng.choice(city["leaves"]), year) for _ in range(rounds)]
    print(f"\n## City balances ({postings:,} postings, 1,617 unions)")
    print("| subtree | p50 ms | p95 ms | ratio of p95 to the baseline's |")
    print("|---|---|---|---|")
    worst = 0.0
    base95 = statistics.quantiles(baseline, n=20)[-1]
    for level, orgs in levels.items():
        times = [timed(rng.choice(orgs), rng.choice(periods)) for _ in range(rounds)]
        p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
        worst = max(worst, p95)
        print(f"| {level} | {p50:.1f} | {p95:.1f} | {p95 / base95:.1f} |")
    print(
        f"| baseline: one leaf union, the year | {statistics.median(baseline):.1f}"
        f" | {base95:.1f} | 1.0 |"
    )
    total = trial_balance()
    print(f"trial balance of the city: {total}")
    print(f"worst p95: {worst:.1f} ms (aim: 200 ms)")
    return set(total.values()) == {0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=60, help="queries per subtree level")
    args = parser.parse_args()
    with (
        harness.throwaway_database("gonghui_bench_care") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = harness.production_env(url, Path(tmp))
        harness.migrate(env)
        harness.configure_django(env)
        ok = relief(args.members)
        ok = balances(args.postings, args.rounds) and ok
        harness.close_django_connections()
    if not ok:
        print("A COUNT IS WRONG", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
