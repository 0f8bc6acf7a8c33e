"""A vote's last hour: 20,000 members of the frozen electorate vote in a public poll
(网络投票), with double taps from two devices and retries, through `reviews.actions.cast_ballot`
on PostgreSQL.

    python -m bench.votes                      # 20,000 members, 200 clients
    python -m bench.votes --members 2000       # a quick run

200 clients keep a tap in flight each; the taps are served by 16 database connections, as the
production server's 4 workers × 4 threads would (this machine's PostgreSQL allows 100
connections for six engineers). Every third member taps twice at once from two devices (the
second tap lands on another connection), every tenth sends a retry after their answer (a
phone that lost the response). Each member's network is one of 400 (50 members a network,
within the `vote.ip` limit).

In the same run, the baseline is the bare minimum a one-member-one-vote store must do: one
INSERT … ON CONFLICT DO NOTHING per tap into a table with a unique (poll, member) key, from
the same clients and connections. Printed: ballots/s (ballots over the time from the first to
the last tap) and its ratio to the baseline's rows/s, p50/p99 latency of a tap, the answers
by code, and the counts: ballots = distinct voters = tally-log entries = members, 0
duplicates, the chain recounts to the poll's head hash.
"""

import argparse
import queue
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import harness
from bench.flash_claim import _members

DB_CONNECTIONS = 16


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--connections", type=int, default=DB_CONNECTIONS)
    parser.add_argument("--double-every", type=int, default=3)
    parser.add_argument("--retry-every", type=int, default=10)
    parser.add_argument("--database", default="gonghui_bench_votes")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def load_data(members: int) -> tuple[Any, list[Any]]:
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.members.models import Member
    from gonghui.orgs.actions import create_org
    from gonghui.reviews import actions
    from gonghui.reviews.models import Submission

    operator = User.objects.create_superuser("bench-operator", "pw-bench-operator")
    root = create_org(actor=operator, parent=None, name="北京市总工会", kind="federation")
    unions = [
        create_org(actor=operator, parent=root, name=f"第{n}工会", kind="enterprise")
        for n in range(1, 9)
    ]
    _members(unions, members, 0, "vote")
    now = timezone.now()
    call = actions.create_call(
        actor=operator,
        org=root,
        details=actions.CallDetails(
            kind="craftsman",
            title="创新工匠评选",
            description="",
            submissions_open=now - timedelta(days=1),
            submissions_close=now + timedelta(days=1),
            review_closes=now + timedelta(days=2),
            results_on=now.date(),
            audience="units",
        ),
    )
    for n, unit in enumerate(unions[:5]):
        entry = actions.nominate(
            actor=operator,
            call=call,
            unit=unit,
            details=actions.EntryDetails(
                title=f"候选{n + 1}", summary="事迹", nominee=f"工匠{n + 1}"
            ),
        )
        Submission.objects.filter(pk=entry.pk).update(decision="shortlisted")
    poll = actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=root,
        title="网络投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=2),
        jury_weight=70,
        vote_weight=30,
    )
    poll = actions.open_poll(actor=operator, poll=poll)
    voters = list(Member.objects.select_related("user").order_by("id"))
    return poll, voters


def taps_for(voters: list[Any], args: argparse.Namespace) -> list[tuple[int, str, bool]]:
    """(voter index, device, is a retry) in arrival order: double taps side by side, so two
    connections take them at about the same moment; retries after the first answer."""
    taps: list[tuple[int, str, bool]] = []
    for i in range(len(voters)):
        taps.append((i, "phone", False))
        if args.double_every and i % args.double_every == 0:
            taps.append((i, "tablet", False))
    retries = [
        (i, "phone", True)
        for i in range(len(voters))
        if args.retry_every and i % args.retry_every == 1
    ]
    # Retries come back a little later, mixed into the stream.
    step = max(1, len(taps) // max(1, len(retries)))
    for n, retry in enumerate(retries):
        taps.insert(min(len(taps), (n + 1) * step + n), retry)
    return taps


def run(
    taps: list[tuple[int, str, bool]], work: Any, args: argparse.Namespace
) -> tuple[float, list[float], Counter[str]]:
    """Serve `taps` with `args.connections` threads while at most `args.clients` are in
    flight; return the wall time, latencies and answers."""
    from django.db import connection

    pending: queue.Queue[tuple[int, str, bool, float] | None] = queue.Queue()
    in_flight = threading.BoundedSemaphore(args.clients)
    latencies: list[float] = []
    answers: Counter[str] = Counter()
    lock = threading.Lock()

    def serve() -> None:
        try:
            while True:
                item = pending.get()
                if item is None:
                    return
                index, device, _retry, sent = item
                code = work(index, device)
                done = time.perf_counter()
                with lock:
                    latencies.append(done - sent)
                    answers[code] += 1
                in_flight.release()
        finally:
            connection.close()

    threads = [threading.Thread(target=serve) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for index, device, retry in taps:
        in_flight.acquire()
        pending.put((index, device, retry, time.perf_counter()))
    for _ in threads:
        pending.put(None)
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, answers


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.setswitchinterval(0.0002)
    with (
        harness.throwaway_database(args.database, keep=args.keep_db) as url,
        tempfile.TemporaryDirectory() as data,
    ):
        env = harness.production_env(url, Path(data))
        harness.migrate(env)
        harness.configure_django(env)
        from django.db import connection
        from django.db.models import Count

        from gonghui.core.errors import DomainError
        from gonghui.reviews import actions, queries, tally_log
        from gonghui.reviews.models import Ballot

        poll, voters = load_data(args.members)
        candidates = list(poll.candidates.order_by("position"))
        harness.log(f"{len(voters)} members on the electorate of poll {poll.pk}")
        taps = taps_for(voters, args)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_vote_baseline (poll integer, member integer, device text,"
                " PRIMARY KEY (poll, member))"
            )
        harness.close_django_connections()

        def baseline(index: int, device: str) -> str:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bench_vote_baseline VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    [poll.pk, voters[index].pk, device],
                )
                return "inserted" if cursor.rowcount == 1 else "duplicate"

        base_seconds, _base_latencies, base_answers = run(taps, baseline, args)
        base_rate = base_answers["inserted"] / base_seconds
        harness.log(f"baseline: {base_answers['inserted']} rows in {base_seconds:.1f} s")

        def vote(index: int, device: str) -> str:
            voter = voters[index]
            try:
                actions.cast_ballot(
                    actor=voter.user,
                    member=voter,
                    poll=poll,
                    candidate=candidates[index % len(candidates)],
                    signals=actions.Signals(
                        ip=f"10.0.{index % 400 // 250}.{index % 250}", device=device
                    ),
                )
            except DomainError as refused:
                return refused.code
            return "voted"

        seconds, latencies, answers = run(taps, vote, args)
        rate = answers["voted"] / seconds
        from gonghui.accounts.models import User

        operator = User.objects.get(username="bench-operator")
        sealing = time.perf_counter()
        poll = actions.close_poll(actor=operator, poll=poll)
        harness.log(f"closed and sealed the tally log in {time.perf_counter() - sealing:.1f} s")
        ballots = Ballot.objects.filter(poll=poll)
        distinct = ballots.values("member").distinct().count()
        duplicates = ballots.values("member").annotate(n=Count("id")).filter(n__gt=1).count()
        log = queries.log_entries(poll)
        recount = tally_log.recount(poll.pk, log)
        expected_refusals = len(taps) - len(voters)
        print()
        print(
            f"taps: {len(taps)} from {len(voters)} members"
            f" ({args.clients} clients, {args.connections} database connections)"
        )
        print(f"answers: {dict(answers)}")
        print(
            f"ballots/s: {rate:,.0f}   baseline rows/s: {base_rate:,.0f}"
            f"   ratio: {rate / base_rate:.2f}"
        )
        print(
            f"tap latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms,"
            f" p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
        )
        print(
            f"ballots {ballots.count()} = distinct voters {distinct} = log entries {len(log)} ="
            f" poll counter {poll.ballots_cast}; duplicates {duplicates};"
            f" recount {recount.counted}, head hash matches: {recount.head_hash == poll.head_hash}"
        )
        ok = (
            ballots.count() == distinct == len(log) == poll.ballots_cast == len(voters)
            and duplicates == 0
            and recount.head_hash == poll.head_hash
            and answers["voted"] == len(voters)
            and answers["already_voted"] == expected_refusals
        )
        print("counts exact" if ok else "COUNTS WRONG")
        harness.close_django_connections()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
