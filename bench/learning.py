"""Learning progress: heartbeats from thousands of listeners, and a campaign's participation
by unit.

Two measurements on a throwaway PostgreSQL database, in-process through the project's own
action and query (no HTTP: the figure of interest is what the union of intervals costs at the
database, and the web layer is measured by the other benchmarks):

1. Heartbeats. `--listeners` members (5,000) each play a 10-minute lesson and report every
   15 s of listening as one interval (a heartbeat through `learning.actions.record_progress`),
   from `--workers` processes at once, for `--rounds` heartbeats each; one in ten heartbeats is
   sent twice (a retry after a dropped connection) and one in twenty listeners jumps ahead
   (seeking credits nothing). The baseline in the same run is the cheapest write a heartbeat
   could be: one row inserted in its own transaction, from the same processes. Afterwards every
   listener's stored coverage is compared with the union computed here: it must be exact.
   5,000 listeners at one heartbeat per 15 s each need 333 heartbeats/s.
2. Participation by unit for a campaign of `--participants` (20,000) across eight provincial
   unions: `learning.queries.participation_by_unit`, `--repeats` times, p50/p95 (target p95
   ≤ 200 ms), beside a plain count of the campaign's participants as the baseline.

    python bench/learning.py                 # full size
    python bench/learning.py --quick         # 500 listeners, 2,000 participants
"""

import argparse
import multiprocessing
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

LESSON_MS = 600_000
BEAT_MS = 15_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3, help="heartbeats per listener")
    parser.add_argument("--workers", type=int, default=harness.WORKERS, help="processes")
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="500 listeners, 2,000 participants")
    parser.add_argument(
        "--spread",
        type=int,
        default=1,
        help="listeners' unions (1: all in one, whose daily tally row every heartbeat updates)",
    )
    parser.add_argument("--database", default="gonghui_bench_learning")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.listeners, args.participants, args.repeats = 500, 2_000, 20
    return args


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(latencies: list[float], high: float = 0.99) -> str:
    return (
        f"p50 {_p(latencies, 0.5) * 1000:.1f} ms,"
        f" p{round(high * 100)} {_p(latencies, high) * 1000:.1f} ms"
    )


def _members(org: Any, count: int, start: int) -> list[int]:
    from django.utils import timezone

    from gonghui.demo.rows import insert_rows
    from gonghui.members.models import Member

    rows = []
    for n in range(start, start + count):
        rows.append(
            {
                "number": f"B{org.pk:05d}-{n:07d}",
                "org_id": org.pk,
                "joined_on": timezone.localdate() - timedelta(days=100),
                "name": "王小明",
                "gender": "M",
                "ethnicity": "01",
                "id_number": "",
                "mobile": f"139{n:08d}",
                "job_type": "courier",
                "education": "high_school",
                "political_status": "masses",
            }
        )
    return insert_rows(Member, rows)


def _setup(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.learning import actions
    from gonghui.learning.synth import wav_bytes
    from gonghui.orgs.actions import create_org

    operator = User.objects.create_superuser("bench", "pw-bench-learning", name="基准")
    root = create_org(actor=operator, parent=None, name="北京市总工会", kind="federation")
    hlg = create_org(actor=operator, parent=root, name="回龙观街道总工会", kind="street")
    postal = create_org(actor=operator, parent=root, name="中国邮政集团工会", kind="industry")
    provinces = [
        create_org(actor=operator, parent=postal, name=f"{p}邮政工会", kind="enterprise")
        for p in ("北京", "湖北", "黑龙江", "天津", "河北", "福建", "江西", "广东")
    ]
    course = actions.create_course(
        actor=operator, org=root, title="微党课", audience="members", publish=True
    )
    media = SimpleUploadedFile("l.wav", wav_bytes(LESSON_MS / 1000, width=1))
    lesson = actions.add_lesson(
        actor=operator, course=course, title="十分钟", kind="audio", media=media
    )
    unions = [hlg] + [
        create_org(actor=operator, parent=hlg, name=f"{n}号驿站", kind="station")
        for n in range(1, args.spread)
    ]
    listeners = [
        key
        for index, union in enumerate(unions)
        for key in _members(
            union,
            args.listeners // len(unions) + (1 if index < args.listeners % len(unions) else 0),
            index * 100_000,
        )
    ]
    today = timezone.localdate()
    campaign = actions.create_campaign(
        actor=operator,
        org=postal,
        title="学习《重要论述》",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        lessons=[lesson],
        min_lessons=1,
    )
    return {
        "lesson": lesson,
        "listeners": listeners,
        "campaign": campaign,
        "postal": postal,
        "provinces": provinces,
        "operator": operator,
    }


def _participants(campaign: Any, provinces: list[Any], count: int) -> None:
    from django.utils import timezone

    from gonghui.demo.rows import insert_rows
    from gonghui.learning.models import Participant

    rng = random.Random(7)
    now = timezone.now()
    rows = []
    for index, province in enumerate(provinces):
        share = count // len(provinces) + (1 if index < count % len(provinces) else 0)
        for member_id in _members(province, share, 1_000_000 + index * 100_000):
            joined = now - timedelta(days=rng.uniform(0, 29))
            rows.append(
                {
                    "campaign_id": campaign.pk,
                    "member_id": member_id,
                    "org_id": province.pk,
                    "lessons_completed": 1,
                    "joined_at": joined,
                    "completed_at": joined if rng.random() < 0.8 else None,
                }
            )
    insert_rows(Participant, rows)


def _heartbeats(args: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    """Each listener's list of intervals to send (one per heartbeat) and the union expected."""
    from gonghui.learning.intervals import merge

    rng = random.Random(15)
    plan: list[tuple[int, list[tuple[str, int, int]]]] = []
    expected: dict[int, int] = {}
    for member_id in data["listeners"]:
        position = rng.randrange(0, LESSON_MS // 2, 1000)
        beats = []
        held: list[tuple[int, int]] = []
        for _ in range(args.rounds):
            if rng.random() < 0.05:
                position = min(position + 120_000, LESSON_MS - BEAT_MS)  # a seek: no credit
            end = min(position + BEAT_MS, LESSON_MS)
            beat = (secrets.token_hex(8), position, end)
            beats.append(beat)
            held = merge(held, [(position, end)])
            if rng.random() < 0.1:
                beats.append(beat)  # the same heartbeat again, after a dropped connection
            position = end
        plan.append((member_id, beats))
        expected[member_id] = sum(b - a for a, b in held)
    return {"plan": plan, "expected": expected}


_CALL: Any = None  # what each worker process runs per item, set before the processes fork


def _work(items: list[Any]) -> list[float]:
    from django.db import connection

    latencies = []
    try:
        for item in items:
            started = time.perf_counter()
            _CALL(item)
            latencies.append(time.perf_counter() - started)
    finally:
        connection.close()
    return latencies


def _run_workers(work: list[Any], workers: int, call: Any) -> tuple[float, list[float]]:
    """`call` on every item from `workers` processes at once (forked, each with its own
    database connection, as the app server's workers are), items dealt round-robin."""
    global _CALL
    _CALL = call
    harness.close_django_connections()
    chunks = [work[i::workers] for i in range(workers)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(_work, chunks)
    elapsed = time.perf_counter() - started
    return elapsed, [latency for part in results for latency in part]


def measure_heartbeats(args: argparse.Namespace, data: dict[str, Any]) -> None:
    from django.db import transaction
    from django.utils import timezone

    from gonghui.core.models import AuditEntry
    from gonghui.learning import actions
    from gonghui.learning.models import LessonProgress
    from gonghui.members.models import Member

    lesson = data["lesson"]
    setup = _heartbeats(args, data)
    members = {
        m.pk: m for m in Member.objects.select_related("org").filter(pk__in=data["listeners"])
    }
    # Heartbeats go round-robin over the listeners (everyone's first, then everyone's second
    # ...), as 5,000 phones each reporting every 15 s would arrive.
    work = []
    for round_ in range(args.rounds * 2):
        for member_id, beats in setup["plan"]:
            if round_ < len(beats):
                work.append((member_id, beats[round_]))

    def beat(item: tuple[int, tuple[str, int, int]]) -> None:
        member_id, (client_id, start, end) = item
        actions.record_progress(
            member=members[member_id],
            reports=[actions.PlayReport(client_id, lesson.pk, start, end, timezone.now())],
        )

    def baseline(item: tuple[int, tuple[str, int, int]]) -> None:
        with transaction.atomic():
            AuditEntry.objects.create(action="bench.baseline", changes={})

    harness.log(f"baseline: {len(work)} single-row writes from {args.workers} processes")
    base_s, base_lat = _run_workers(work, args.workers, baseline)
    AuditEntry.objects.filter(action="bench.baseline").delete()
    harness.log(f"heartbeats: {len(work)} from {len(setup['plan'])} listeners")
    beat_s, beat_lat = _run_workers(work, args.workers, beat)
    stored = dict(
        LessonProgress.objects.filter(lesson=lesson).values_list("member_id", "covered_ms")
    )
    wrong = sum(1 for m, ms in setup["expected"].items() if stored.get(m) != ms)
    rate, base_rate = len(work) / beat_s, len(work) / base_s
    print(
        f"heartbeats: {len(work)} ({args.listeners} listeners × {args.rounds}, ~10 % resent),"
        f" {args.workers} processes, listeners in {args.spread} union(s)"
    )
    print(f"  record_progress: {rate:,.0f}/s, {_ms(beat_lat)}")
    print(f"  baseline (one-row write): {base_rate:,.0f}/s, {_ms(base_lat)}")
    print(
        f"  ratio: {rate / base_rate:.2f}× the baseline's rate;"
        " needed for 5,000 listeners every 15 s: 333/s"
    )
    print(
        f"  coverage afterwards: {len(setup['expected']) - wrong} of {len(setup['expected'])}"
        " listeners exact"
    )
    if wrong:
        raise SystemExit(f"{wrong} listeners' coverage differs from the union of what they played")


def measure_units(args: argparse.Namespace, data: dict[str, Any]) -> None:
    from gonghui.learning.models import Participant
    from gonghui.learning.queries import participation_by_unit

    campaign, postal = data["campaign"], data["postal"]
    _participants(campaign, data["provinces"], args.participants)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    times, base = [], []
    table = None
    for _ in range(args.repeats):
        started = time.perf_counter()
        table = participation_by_unit(campaign, postal, None)
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        Participant.objects.filter(campaign=campaign).count()
        base.append(time.perf_counter() - started)
    assert table is not None
    assert table.participants == args.participants
    print(
        f"participation by unit: {args.participants:,} participants in"
        f" {len(data['provinces'])} units, {args.repeats} runs"
    )
    print(f"  participation_by_unit: {_ms(times, 0.95)} (target p95 ≤ 200 ms)")
    print(
        f"  baseline (count of participants): {_ms(base, 0.95)};"
        f" ratio p50 {statistics.median(times) / statistics.median(base):.1f}×"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as folder,
        harness.throwaway_database(args.database, keep=args.keep_db) as url,
    ):
        env = harness.production_env(url, Path(folder))
        harness.migrate(env)
        harness.configure_django(env)
        harness.log("loading")
        data = _setup(args)
        measure_heartbeats(args, data)
        measure_units(args, data)
        harness.close_django_connections()


if __name__ == "__main__":
    main()
