"""City-scale dashboards: every tile of gonghui.dashboards.figures.TILES timed on a generated
city of 1,000,000 members, 10,000 enterprises, 20,000 activities and 10,000,000 check-ins.

    python -m bench.city_scale                 # generate, rebuild the tallies, time the tiles
    python -m bench.city_scale --keep-db       # keep the database for another run
    python -m bench.city_scale --reuse         # time again on the kept database, no generation

The database is a throwaway one (`gonghui_bench_city`), migrated, then filled by
bench/city_data.py with set-based SQL (see there for the shape of the city and what the
personal-data columns hold). The daily tallies are then rebuilt from the rows with
gonghui.dashboards.tallies.rebuild (the loaders bypass the actions that keep them), and the
tables analysed.

Each tile is called for orgs at four depths (the city federation, a district, a street, an
enterprise union) and two periods (this month, this year), once to warm up and then
--repeat times; p50 and p95 are printed against the 200 ms target, beside two baselines
measured in the same run and process: a primary-key lookup of an org through the ORM, and a
bare `SELECT count(*)` over one day of one tally metric. For every tile whose p95 misses the
target, the plan of its slowest query is printed (EXPLAIN ANALYZE).

Exits non-zero only when the counts are wrong (rows generated, tallies against the rows);
nothing is asserted about time.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench import harness
from bench.city_data import Sizes, generate

TARGET_MS = 200.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full size (0.01 for a trial)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per tile, org, period")
    parser.add_argument("--database", default="gonghui_bench_city")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="time the tiles on a database kept earlier"
    )
    return parser.parse_args(argv)


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    level: str
    period: str
    queries: int
    samples: list[float]  # ms

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_calls(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm: connection, plan caches of PostgreSQL, Python imports
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def captured(call: Callable[[], Any]) -> list[dict[str, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        call()
    return list(queries.captured_queries)


def explain_slowest(call: Callable[[], Any]) -> str:
    """EXPLAIN ANALYZE of the slowest statement the call runs."""
    from django.db import connection

    statements = captured(call)
    slowest = max(statements, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return f"{slowest['time']} s: {slowest['sql'][:600]}\n{plan}"


def pick_orgs() -> list[tuple[str, Any]]:
    """The city, its busiest district, that district's busiest street and the enterprise union
    with the most members (by members, so each level has figures behind it)."""
    from django.db.models import Count

    from gonghui.core.tree import subtree_q
    from gonghui.members.models import Member
    from gonghui.orgs.models import Org, OrgKind

    city = Org.objects.get(parent=None)

    def busiest(candidates: Any) -> Any:
        sizes = {
            org.pk: Member.objects.filter(subtree_q("org__path", [org.path])).count()
            for org in candidates
        }
        return max(candidates, key=lambda org: sizes[org.pk])

    district = busiest(list(Org.objects.filter(parent=city)))
    street = busiest(list(Org.objects.filter(parent=district, kind=OrgKind.STREET)))
    top = (
        Member.objects.filter(org__kind=OrgKind.ENTERPRISE)
        .values("org")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert top is not None
    union = Org.objects.get(pk=top["org"])
    return [("city", city), ("district", district), ("street", street), ("enterprise", union)]


def run_timings(repeat: int) -> tuple[list[Timing], dict[str, list[float]], list[str]]:
    from django.utils import timezone

    from gonghui.core.periods import THIS_MONTH, THIS_YEAR, preset_period
    from gonghui.dashboards.figures import TILES
    from gonghui.orgs.models import Org, Tally

    orgs = pick_orgs()
    today = timezone.localdate()
    periods = [
        ("month", preset_period(THIS_MONTH, today)),
        ("year", preset_period(THIS_YEAR, today)),
    ]
    city = orgs[0][1]
    baselines = {
        "ORM primary-key lookup of an org": time_calls(
            lambda: Org.objects.get(pk=city.pk), repeat * 5
        ),
        "SELECT count(*) over one day of one tally metric": time_calls(
            lambda: Tally.objects.filter(metric="checkins.activity", day=today).count(),
            repeat * 5,
        ),
    }
    timings: list[Timing] = []
    plans: list[str] = []
    for name, tile in TILES.items():
        for level, org in orgs:
            for period_name, period in periods:
                call = lambda tile=tile, org=org, period=period: tile(org, period)  # noqa: E731
                queries = len(captured(call))
                timing = Timing(name, level, period_name, queries, time_calls(call, repeat))
                timings.append(timing)
                harness.log(
                    f"{name:<12} {level:<10} {period_name:<5} p50 {timing.p50:7.1f} ms  "
                    f"p95 {timing.p95:7.1f} ms  ({queries} queries)"
                )
                if timing.p95 > TARGET_MS:
                    plans.append(
                        f"--- {name} / {level} ({org.name}) / {period_name}: p95 "
                        f"{timing.p95:.0f} ms; slowest statement and its plan:\n"
                        + explain_slowest(call)
                    )
    return timings, baselines, plans


# --- checks --------------------------------------------------------------------------------------


def check_counts(generated: dict[str, int], sizes: Sizes) -> list[str]:
    """What is wrong with the data set: row counts, counters and tallies against the rows."""
    from django.db.models import Sum

    from gonghui.checkins.models import CheckIn, Checkpoint
    from gonghui.enterprises.models import Enterprise
    from gonghui.events.models import Activity
    from gonghui.members.models import Application, Member
    from gonghui.orgs.models import Tally

    problems = []
    expected = {
        "members": (Member.objects.count(), sizes.members),
        "enterprises": (Enterprise.objects.count(), sizes.enterprises),
        "activities": (Activity.objects.count(), sizes.activities),
        "applications": (Application.objects.count(), sizes.applications),
    }
    for what, (found, wanted) in expected.items():
        if found != wanted:
            problems.append(f"{what}: {found:,} rows, expected {wanted:,}")
    checkins = CheckIn.objects.count()
    # A trial run's largest activities are cut to its few members: a looser bound there.
    tolerance = 0.02 if sizes.members >= 500_000 else 0.5
    if abs(checkins - sizes.checkins) > sizes.checkins * tolerance:
        problems.append(f"check-ins: {checkins:,}, expected about {sizes.checkins:,}")
    counter = Checkpoint.objects.aggregate(n=Sum("checked_in"))["n"]
    if counter != checkins:
        problems.append(f"checkpoint counters say {counter:,} check-ins, the rows {checkins:,}")

    def tally(*metrics: str) -> int:
        total: int = Tally.objects.filter(metric__in=metrics).aggregate(n=Sum("value"))["n"] or 0
        return total

    sums = {
        "check-ins": (
            tally("checkins.activity", "checkins.station", "checkins.shift"),
            checkins,
        ),
        "applications submitted": (tally("applications.submitted"), Application.objects.count()),
        "applications approved": (
            tally("applications.approved"),
            Application.objects.filter(status="approved").count(),
        ),
        "members joined less left (= active members)": (
            tally("members.joined") - tally("members.left"),
            Member.objects.filter(status="active").count(),
        ),
        "active members (the per-union stock)": (
            tally("members.active"),
            Member.objects.filter(status="active").count(),
        ),
        "members recruited through events (by job type)": (
            Tally.objects.filter(metric__startswith="recruited.").aggregate(n=Sum("value"))["n"]
            or 0,
            Application.objects.filter(status="approved", event__isnull=False).count(),
        ),
        "transfers in = transfers out": (
            tally("members.transferred_in"),
            tally("members.transferred_out"),
        ),
    }
    for what, (found, wanted) in sums.items():
        if found != wanted:
            problems.append(f"tallies of {what}: {found:,}, the rows say {wanted:,}")
    return problems


# --- the run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = Sizes.scaled(args.scale)
    data_dir = Path(tempfile.mkdtemp(prefix="gonghui-bench-city-"))
    # A kept database's ciphertexts need this run's keys on the next (--reuse) run.
    secrets_file = Path(tempfile.gettempdir()) / f"{args.database}.env.json"
    if args.reuse:
        env = json.loads(secrets_file.read_text())
        harness.configure_django(env)
        return measure(sizes, args, generated=None)
    with harness.throwaway_database(args.database, keep=args.keep_db) as url:
        env = harness.production_env(url, data_dir)
        if args.keep_db:
            secrets_file.touch(mode=0o600)
            secrets_file.write_text(json.dumps(env))
        harness.migrate(env)
        harness.configure_django(env)
        from django.conf import settings
        from django.utils import timezone

        from gonghui.dashboards.tallies import rebuild

        started = time.monotonic()
        with psycopg.connect(url, autocommit=True) as conn:
            result = generate(conn, sizes, today=timezone.localdate(), tz=settings.TIME_ZONE)
        generation = time.monotonic() - started
        rebuilt = time.monotonic()
        totals = rebuild()
        result.seconds["tallies rebuilt from the rows (gonghui.dashboards.tallies.rebuild)"] = (
            time.monotonic() - rebuilt
        )
        analysed = time.monotonic()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        result.seconds["VACUUM ANALYZE"] = time.monotonic() - analysed
        total = time.monotonic() - started
        print(f"\n## Generation ({args.scale:g} × the full size)\n")
        print("| step | s |\n| --- | ---: |")
        for step, seconds in result.seconds.items():
            print(f"| {step} | {seconds:.1f} |")
        print(f"| **rows written (SQL generation)** | **{generation:.1f}** |")
        print(f"| **in all, with the tallies and ANALYZE** | **{total:.1f}** |")
        print("\n| table | rows |\n| --- | ---: |")
        for what, n in result.counts.items():
            print(f"| {what} | {n:,} |")
        print("\n| tally metric | sum |\n| --- | ---: |")
        for metric, value in totals.items():
            print(f"| {metric} | {value:,} |")
        return measure(sizes, args, generated=result.counts)


def measure(sizes: Sizes, args: argparse.Namespace, *, generated: Any) -> int:
    from django.db import connection

    from gonghui.orgs.models import Tally

    problems = check_counts(generated or {}, sizes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    harness.log(f"database size {size}, {Tally.objects.count():,} tally rows")
    load_before = os.getloadavg()[0]
    timings, baselines, plans = run_timings(args.repeat)
    load_after = os.getloadavg()[0]
    base = statistics.median(baselines["SELECT count(*) over one day of one tally metric"])
    print(f"\n## Tiles ({args.repeat} calls each after one warm-up; database {size}, "
          f"{Tally.objects.count():,} tally rows; load average {load_before:.1f} → "
          f"{load_after:.1f} on {os.cpu_count()} cores)\n")  # fmt: skip
    print("| baseline (same run) | p50 ms | p95 ms |\n| --- | ---: | ---: |")
    for name, samples in baselines.items():
        timing = Timing(name, "", "", 1, samples)
        print(f"| {name} | {timing.p50:.2f} | {timing.p95:.2f} |")
    print(
        "\n| tile | org | period | queries | p50 ms | p95 ms | p95 × baseline | ≤ 200 ms |\n"
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"
    )
    for t in timings:
        ok = "yes" if t.p95 <= TARGET_MS else "**no**"
        print(
            f"| {t.name} | {t.level} | {t.period} | {t.queries} | {t.p50:.1f} | {t.p95:.1f} "
            f"| {t.p95 / base:,.0f}× | {ok} |"
        )
    missed = [t for t in timings if t.p95 > TARGET_MS]
    print(f"\n{len(timings) - len(missed)} of {len(timings)} tile calls within {TARGET_MS:.0f} ms "
          "at p95.")  # fmt: skip
    for plan in plans:
        print("\n" + plan)
    if problems:
        print("\nCOUNTS WRONG:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    print("\nCounts checked: rows as generated, checkpoint counters and tallies equal the rows.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
