"""Volunteer service: a shift sign-up storm and a site's offline batch of arrivals, through the
actions on PostgreSQL, beside a bare baseline measured in the same run.

    python -m bench.volunteers            # about a minute

One run, on a throwaway database (no demo data): a union with 2,000 members, a project and,
per round, 20 fresh shifts of 10 places.

1. **sign-up storm** — 2,000 volunteers at once (40 threads released together, each with its
   own connection), volunteer *i* asking for shift *i* mod 20 through `volunteers.actions.
   sign_up` (member lock, overlap and daily-cap checks, the checkins capacity UPDATE, the
   registration and its tallies): exactly 200 must be accepted and 1,800 refused `full`,
   every round. Baseline: the same 2,000 attempts by the same threads as the bare capacity
   primitive alone (one conditional UPDATE of a counter row and one INSERT per success, in a
   transaction each).
2. **site batch** — 200 signed-up volunteers' arrivals uploaded in one offline batch
   (`upload_reports`: cards verified, the verdict, one INSERT … ON CONFLICT, counters, tallies,
   the stored answers), then their departures in a second batch. Baseline: 200 rows written
   with one `bulk_create` (the bare write of a batch).

Printed: per round the accepted/refused counts (exit status 1 when they are wrong), attempts/s
and the ratio to the baseline; arrivals/s and departures/s against the baseline rows/s.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import harness

SHIFTS, PLACES, VOLUNTEERS, THREADS = 20, 10, 2_000, 40
SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="storm rounds (fresh shifts each)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    return parser.parse_args(argv)


def _person(n: int) -> dict[str, Any]:
    from gonghui.members.tests.factories import person

    return person(name=f"志愿者{n:04d}")


def _storm(work: list[Any], attempt: Any) -> tuple[float, Counter[str]]:
    """Run attempt(item) for every item on THREADS threads released at once; seconds and
    the count of each outcome."""
    from django.db import connection

    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS + 1)
    errors: list[str] = []

    def worker(chunk: list[Any]) -> None:
        local: Counter[str] = Counter()
        try:
            barrier.wait()
            for item in chunk:
                local[attempt(item)] += 1
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()
            with lock:
                outcomes.update(local)

    threads = [threading.Thread(target=worker, args=(work[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"errors in the storm: {errors[:3]}")
    return time.perf_counter() - started, outcomes


def run(args: argparse.Namespace) -> int:
    with (
        harness.throwaway_database("gh_bench_volunteers", keep=args.keep) as url,
        tempfile.TemporaryDirectory() as data_dir,
    ):
        env = harness.production_env(url, Path(data_dir))
        harness.migrate(env)
        harness.configure_django(env)
        return _measure(args)


def _measure(args: argparse.Namespace) -> int:
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.checkins import actions as checkins
    from gonghui.checkins.models import Checkpoint, ScanNonce
    from gonghui.core.errors import DomainError
    from gonghui.members.cards import card_code_of
    from gonghui.members.models import Member
    from gonghui.orgs.actions import create_org
    from gonghui.orgs.models import OrgKind
    from gonghui.volunteers import actions

    operator = User.objects.create_superuser("bench", "pw-bench-1234", name="压测")
    root = create_org(actor=operator, parent=None, name="北京市总工会", kind=OrgKind.FEDERATION)
    union = create_org(actor=operator, parent=root, name="顺义区总工会", kind=OrgKind.FEDERATION)
    today = timezone.localdate()
    members = Member.objects.bulk_create(
        [
            Member(number=f"B{n:06d}", org=union, joined_on=today, **_person(n))
            for n in range(VOLUNTEERS)
        ]
    )
    harness.log(f"{len(members)} members")
    site = actions.create_site(
        actor=operator, org=union, name="幸福东社区", kind="community", address="幸福东社区"
    )
    project = actions.create_project(actor=operator, org=union, title="月末清洁日", publish=True)
    wrong = 0
    start = datetime.combine(today + timedelta(days=30), datetime.min.time(), SHANGHAI)
    for round_number in range(args.rounds):
        day = start + timedelta(days=round_number)
        shifts = [
            actions.add_shift(
                actor=operator,
                project=project,
                site=site,
                group=f"第{i + 1}组",
                tasks="垃圾清理",
                starts_at=day + timedelta(hours=8, minutes=3 * i),
                ends_at=day + timedelta(hours=9, minutes=3 * i),
                places=PLACES,
            )
            for i in range(SHIFTS)
        ]
        # Every shift of a round overlaps the others: one volunteer, one shift.

        def sign_up(index: int, shifts: list[Any] = shifts) -> str:
            try:
                actions.sign_up(member=members[index], shift=shifts[index % SHIFTS])
                return "accepted"
            except DomainError as error:
                return error.code

        seconds, outcomes = _storm(list(range(VOLUNTEERS)), sign_up)
        counters = [Checkpoint.objects.get(pk=s.checkpoint_id).confirmed_places for s in shifts]
        ok = outcomes == Counter(accepted=SHIFTS * PLACES, full=VOLUNTEERS - SHIFTS * PLACES)
        ok = ok and counters == [PLACES] * SHIFTS
        wrong += not ok

        counter = Checkpoint.objects.create(
            org=union, kind="shift", title="baseline", capacity=SHIFTS * PLACES
        )

        def bare(index: int, counter: Any = counter, round_number: int = round_number) -> str:
            with transaction.atomic():
                taken = Checkpoint.objects.filter(
                    pk=counter.pk, confirmed_places__lt=SHIFTS * PLACES
                ).update(confirmed_places=F("confirmed_places") + 1)
                if taken:
                    ScanNonce.objects.create(
                        device="baseline", nonce=f"{round_number}-{index}", result={}
                    )
            return "accepted" if taken else "full"

        base_seconds, base = _storm(list(range(VOLUNTEERS)), bare)
        print(
            f"storm round {round_number + 1}: {dict(outcomes)} — {'exact' if ok else 'WRONG'}; "
            f"{VOLUNTEERS / seconds:,.0f} sign-up attempts/s ({seconds:.2f} s) vs baseline "
            f"{VOLUNTEERS / base_seconds:,.0f}/s ({base_seconds:.2f} s, {dict(base)}): "
            f"{base_seconds / seconds:.2f}× the baseline's rate"
        )
    # A site's offline batch: the first round's 200 volunteers arrive and leave.
    first = actions.add_shift(
        actor=operator,
        project=project,
        site=site,
        group="批量",
        tasks="垃圾清理",
        starts_at=start + timedelta(days=args.rounds + 1, hours=8),
        ends_at=start + timedelta(days=args.rounds + 1, hours=12),
        places=SHIFTS * PLACES,
    )
    batch = members[: SHIFTS * PLACES]
    for member in batch:
        actions.sign_up(member=member, shift=first)
    cards = [card_code_of(member) for member in batch]
    arrive_at = first.starts_at - timedelta(minutes=5)
    leave_at = first.ends_at
    arrivals = [
        checkins.BatchItem(f"a{i}", card, arrive_at + timedelta(seconds=i))
        for i, card in enumerate(cards)
    ]
    departures = [
        checkins.BatchItem(f"d{i}", card, leave_at + timedelta(seconds=i), departure=True)
        for i, card in enumerate(cards)
    ]
    now = first.ends_at + timedelta(hours=1)
    real_now = timezone.now
    timezone.now = lambda: now  # the upload arrives after the shift, as a site's device does
    try:
        t0 = time.perf_counter()
        answers = actions.upload_reports(actor=operator, shift=first, device="site", items=arrivals)
        t1 = time.perf_counter()
        left = actions.upload_reports(actor=operator, shift=first, device="site", items=departures)
        t2 = time.perf_counter()
    finally:
        timezone.now = real_now
    t3 = time.perf_counter()
    ScanNonce.objects.bulk_create(
        [ScanNonce(device="baseline-batch", nonce=str(i), result={}) for i in range(len(cards))]
    )
    t4 = time.perf_counter()
    codes = Counter(a["code"] for a in answers), Counter(a["code"] for a in left)
    batch_ok = codes == (Counter(checked_in=len(cards)), Counter(left=len(cards)))
    wrong += not batch_ok
    base_rate = len(cards) / (t4 - t3)
    print(
        f"site batch: {dict(codes[0])} then {dict(codes[1])} — {'exact' if batch_ok else 'WRONG'}; "
        f"{len(cards) / (t1 - t0):,.0f} arrivals/s, {len(cards) / (t2 - t1):,.0f} departures/s "
        f"vs baseline {base_rate:,.0f} rows/s ({(len(cards) / (t1 - t0)) / base_rate:.2f}× and "
        f"{(len(cards) / (t2 - t1)) / base_rate:.2f}× the baseline)"
    )
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
