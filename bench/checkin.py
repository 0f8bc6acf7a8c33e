"""Check-in: single card scans, offline batches and a registration storm against the
production server and PostgreSQL, beside a bare-Django baseline measured in the same run.

    python -m bench.checkin          # 20,000 registered members; about four minutes

One run, on a throwaway database (the demo data, unless --no-demo, plus a bench union with
20,000 members, a staff scanner with an API token, and published activities):

1. **baseline** — `bench/baseline/` (look a ticket up by its secret, insert a row) under the
   same gunicorn settings, loaded by wrk at 16 and at 64 connections;
2. **single scan** — `POST /api/v1/activities/{id}/checkins` with the staff token, each
   request a different registered member's e-member card (so every success is a real insert)
   and its own nonce, at 16 and at 64 connections, each on its own activity;
3. **batch** — `POST /api/v1/activities/{id}/checkins/batch`, 100 scans an upload from a few
   devices; then some uploads sent again, one after the other (every item must come back
   replayed, nothing new stored), and some sent twice at the same moment on two connections;
4. **registration storm** — 1,000 members, each with their own bearer token, register at once
   (`POST /api/v1/activities/{id}/register`, 1,000 connections) for 100 seats; repeated.

Printed: requests/s (check-ins/s for batches), p50/p99, the ratio to the baseline at the same
connections, CPU per request, and counts from the database proving each success was stored
exactly once. The exit status is non-zero only when a count is wrong, never for a timing.
"""

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import harness

LUA = Path(__file__).resolve().parent / "checkin.lua"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀英华平刚桂兰玉"
JOB_TYPES = ("employee", "rider", "courier", "ride_hailing", "truck", "domestic")
EDUCATION = ("middle_school", "high_school", "vocational", "college", "bachelor")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SUCCESS = "checked_in"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--members",
        type=int,
        default=20_000,
        help="registered members per activity (each single-scan run sends at most this many)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        default=[16, 64],
        help="single-scan (and baseline) connection counts",
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each single-scan run")
    parser.add_argument("--baseline-seconds", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--batch-connections", type=int, default=4, help="devices uploading")
    parser.add_argument("--replays", type=int, default=20, help="uploads sent again afterwards")
    parser.add_argument("--races", type=int, default=10, help="uploads sent twice at once")
    parser.add_argument("--storm-members", type=int, default=1_000)
    parser.add_argument("--storm-seats", type=int, default=100)
    parser.add_argument("--storm-runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=harness.WORKERS)
    parser.add_argument("--threads", type=int, default=harness.THREADS)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="an extra gunicorn argument for both servers, e.g. --server-arg=--keep-alive=5",
    )
    parser.add_argument("--database", default="gonghui_bench_checkin")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-demo", action="store_true", help="a bare tree instead of the demo")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["baseline", "scan", "batch", "storm"],
        help="leave a part out (repeatable)",
    )
    parser.add_argument("--py-spy", default="", help="path of py-spy (default: from PATH)")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="SECONDS",
        help="record the workers with py-spy for this long during the first single-scan run",
    )
    return parser.parse_args(argv)


# --- data --------------------------------------------------------------------------------------


@dataclass
class Card:
    member_id: int
    number: str
    code: str


@dataclass
class Data:
    union: Any
    staff_token: str
    cards: list[Card]  # every bench member's card, in member order
    warm_up: Any  # an activity for the warm-up scans
    scans: dict[int, Any]  # connections → its single-scan activity
    batch: Any
    race: Any
    storms: list[Any]
    storm_tokens: list[tuple[int, str]]  # (member id, the member's own bearer token)


def _person(n: int) -> dict[str, Any]:
    """A valid, unique person (ID number from 门头沟区 with its GB 11643 check character)."""
    born = date(1975, 1, 1) + timedelta(days=n // 500)
    gender = "M" if n % 2 else "F"
    body = f"110109{born:%Y%m%d}{(n % 500) * 2 + (1 if gender == 'M' else 0):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return {
        "name": SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 20) % len(GIVEN)],
        "gender": gender,
        "ethnicity": "01",
        "id_number": body + "10X98765432"[total % 11],
        "mobile": f"166{n:08d}",
        "employer_name": "北京公交集团",
        "has_employer_union": True,
        "job_type": JOB_TYPES[n % len(JOB_TYPES)],
        "education": EDUCATION[n % len(EDUCATION)],
        "political_status": "masses",
        "joined_on": date(2020, 1, 1) + timedelta(days=n % 2000),
    }


def _activity(staff: Any, union: Any, title: str, *, capacity: int | None = None) -> Any:
    from django.utils import timezone

    from gonghui.events.actions import create_activity

    now = timezone.now()
    return create_activity(
        actor=staff,
        org=union,
        title=title,
        category="benefit",
        description="",
        audience="members",
        audience_org=None,
        place="北京公交集团职工活动中心",
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=8),
        publish=True,
        capacity=capacity,
    )


def _register_all(activity: Any, member_ids: Sequence[int]) -> None:
    """Confirmed registrations in bulk (as if members had registered), counter included."""
    from gonghui.checkins.models import Checkpoint, Registration

    Registration.objects.bulk_create(
        [
            Registration(
                checkpoint_id=activity.checkpoint_id,
                member_id=pk,
                places=1,
                status=Registration.Status.CONFIRMED,
            )
            for pk in member_ids
        ],
        batch_size=5_000,
    )
    Checkpoint.objects.filter(pk=activity.checkpoint_id).update(confirmed_places=len(member_ids))


def load_data(args: argparse.Namespace) -> Data:
    from gonghui.accounts.actions import create_api_token, create_staff_user
    from gonghui.accounts.models import ApiToken, Role, User
    from gonghui.accounts.tokens import hash_token
    from gonghui.members.actions import record_roster_members
    from gonghui.members.cards import CardClaims, sign_card
    from gonghui.members.models import Member
    from gonghui.orgs.actions import create_org
    from gonghui.orgs.models import Org, OrgKind

    started = time.monotonic()
    if args.no_demo:
        operator = User.objects.create_superuser("operator", secrets.token_urlsafe(16))
        root = create_org(actor=operator, parent=None, name="北京市总工会", kind=OrgKind.FEDERATION)
    else:
        from gonghui.demo.load import load_demo

        load_demo()
        harness.log(f"demo data loaded in {time.monotonic() - started:.1f} s")
        operator = User.objects.get(username="operator")
        root = Org.objects.filter(parent=None).order_by("pk")[0]
    union = create_org(
        actor=operator, parent=root, name="北京公交集团工会（签到压测）", kind=OrgKind.INDUSTRY
    )
    staff = create_staff_user(
        actor=operator,
        username="bench-scanner",
        name="签到员",
        mobile="",
        password=secrets.token_urlsafe(24),
        org=union,
        role=Role.OPERATOR,
    )
    _token, staff_token = create_api_token(actor=staff, name="check-in desk")

    count = max(args.members, args.storm_members, args.batch_size * (args.races + 1))
    t = time.monotonic()
    record_roster_members(actor=operator, org=union, people=[_person(n) for n in range(count)])
    members = list(
        Member.objects.filter(org=union)
        .order_by("pk")
        .only("pk", "number", "name", "joined_on", "card_version")
    )
    cards = [
        Card(
            member.pk,
            member.number,
            sign_card(
                CardClaims(
                    number=member.number,
                    name=member.name,
                    union=union.name,
                    joined_on=member.joined_on,
                    version=member.card_version,
                )
            ),
        )
        for member in members
    ]
    harness.log(f"{len(members):,} members and their cards in {time.monotonic() - t:.1f} s")

    t = time.monotonic()
    ids = [card.member_id for card in cards]
    warm_up = _activity(staff, union, "预热")
    _register_all(warm_up, ids[: min(len(ids), 3_000)])
    scans = {}
    for connections in args.connections:
        scans[connections] = _activity(staff, union, f"职工健步走·单扫 {connections} 连接")
        _register_all(scans[connections], ids[: args.members])
    batch = _activity(staff, union, "职工健步走·离线批量")
    _register_all(batch, ids[: args.members])
    race = _activity(staff, union, "职工健步走·重复上传")
    _register_all(race, ids[: args.batch_size * args.races])
    storms = [
        _activity(staff, union, f"春节游园会·抢票 {n + 1}", capacity=args.storm_seats)
        for n in range(args.storm_runs)
    ]
    harness.log(f"activities and registrations in {time.monotonic() - t:.1f} s")

    # The storm's members sign in with their own accounts and bearer tokens (what a phone app
    # would hold): accounts with the member's mobile, linked to the membership.
    t = time.monotonic()
    storm_members = list(
        Member.objects.filter(org=union)
        .order_by("pk")
        .only("pk", "name", "mobile")[: args.storm_members]
    )
    users = []
    for member in storm_members:
        user = User(name=member.name, mobile=str(member.mobile))
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=1_000)
    for member, user in zip(storm_members, users, strict=True):
        member.user = user
    Member.objects.bulk_update(storm_members, ["user"], batch_size=1_000)
    raws = ["gh_" + secrets.token_urlsafe(32) for _user in users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=user, name="手机", prefix=raw[:8], token_hash=hash_token(raw))
            for user, raw in zip(users, raws, strict=True)
        ]
    )
    storm_tokens = [(m.pk, raw) for m, raw in zip(storm_members, raws, strict=True)]
    harness.log(f"{len(users):,} member accounts with tokens in {time.monotonic() - t:.1f} s")
    harness.log(f"data loaded in {time.monotonic() - started:.1f} s")
    return Data(union, staff_token, cards, warm_up, scans, batch, race, storms, storm_tokens)


def vacuum_analyze(url: str) -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would get to eventually."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


# --- requests and answers ----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any  # the parsed JSON, or the raw text when it is not JSON


@dataclass
class Phase:
    """One wrk run: what was sent, every answer, the figures, and the CPU spent."""

    name: str
    connections: int
    result: harness.WrkResult
    sent: int
    prepared: int
    answers: list[Answer]
    stalled: bool
    elapsed: float

    @property
    def statuses(self) -> Counter[int]:
        return Counter(answer.status for answer in self.answers)

    @property
    def rate(self) -> float:
        return len(self.answers) / self.elapsed if self.elapsed else 0.0


def write_requests(folder: Path, lines: Sequence[tuple[str, str, str]], threads: int) -> None:
    """Spread the requests (path, token, body) over the wrk threads' files, round robin, so
    each thread's share is in the original order."""
    folder.mkdir(parents=True, exist_ok=True)
    for tid in range(threads):
        share = lines[tid::threads]
        if not share:
            raise ValueError(f"wrk thread {tid} would have nothing to send")
        with (folder / f"requests-{tid}.txt").open("w", encoding="utf-8") as out:
            for path, token, body in share:
                out.write(f"{path}\t{token}\t{body}\n")


def read_answers(folder: Path, threads: int) -> tuple[list[Answer], int]:
    answers: list[Answer] = []
    sent = 0
    for tid in range(threads):
        marker = folder / f"thread-{tid}.done"
        if marker.exists():
            sent += int(marker.read_text().strip() or 0)
        path = folder / f"answers-{tid}.txt"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            status, _tab, text = line.partition("\t")
            try:
                body: Any = json.loads(text)
            except ValueError:
                body = text
            answers.append(Answer(int(status), body))
    return answers, sent


class Finished:
    """wrk's stop condition: every thread has all its answers, or no answer has come for
    `stall` seconds (a request lost with a dropped connection is never answered, and its
    thread would wait for ever)."""

    def __init__(self, folder: Path, threads: int, stall: float = 15) -> None:
        self.folder, self.threads, self.stall = folder, threads, stall
        self.last_size = -1
        self.last_change = time.monotonic()
        self.stalled = False

    def __call__(self) -> float | None:
        now = time.monotonic()
        if len(list(self.folder.glob("thread-*.done"))) == self.threads:
            return now
        size = sum(p.stat().st_size for p in self.folder.glob("answers-*.txt"))
        if size != self.last_size:
            self.last_size, self.last_change = size, now
        elif now - self.last_change > self.stall:
            self.stalled = True
            harness.log(f"no answer for {self.stall:.0f} s: stopping wrk")
            return self.last_change
        return None


def run_phase(
    name: str,
    server: harness.Server,
    database: str,
    folder: Path,
    lines: Sequence[tuple[str, str, str]],
    *,
    connections: int,
    threads: int,
    seconds: int = 0,
    profile: tuple[int, Path, str] | None = None,
) -> Phase:
    """Send `lines` with wrk (all of them, or as many as fit in `seconds`) and collect every
    answer, measuring the CPU spent meanwhile."""
    threads = min(threads, connections, len(lines))
    write_requests(folder, lines, threads)
    finished = Finished(folder, threads)
    profilers = []
    if profile is not None:
        from bench.joining_burst import start_profiler

        profilers = start_profiler(server, *profile)
    with harness.CpuMeter(server, database) as meter:
        result = harness.run_wrk(
            server.url("/"),
            LUA,
            connections=connections,
            threads=threads,
            duration=(seconds or 600) + 120,
            # A storm's last answers wait behind 1,000 others: never cut one off as a timeout.
            timeout=120,
            script_args=[str(folder), str(folder), str(seconds)],
            stop_when=finished,
        )
    result.cpu = meter.result
    for profiler in profilers:
        profiler.wait(timeout=profile[0] + 60 if profile else 60)
    answers, sent = read_answers(folder, threads)
    if finished.stalled:
        sent = max(sent, result.stats["requests"])
    phase = Phase(
        name, connections, result, sent, len(lines), answers, finished.stalled, result.elapsed
    )
    harness.log(
        f"{name}: {len(answers):,} answers in {phase.elapsed:.1f} s ({phase.rate:,.1f}/s), "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, statuses "
        f"{dict(sorted(phase.statuses.items()))}"
    )
    return phase


def post(server: harness.Server, path: str, token: str, body: Any) -> Answer:
    """One request from this process (the sequential replays)."""
    request = urllib.request.Request(  # noqa: S310 — loopback URL built here
        server.url(path),
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        return Answer(status, json.loads(text))
    except ValueError:
        return Answer(status, text)


# --- the request bodies ------------------------------------------------------------------------


def checkins_path(activity: Any) -> str:
    return f"/api/v1/activities/{activity.pk}/checkins"


def scan_lines(
    activity: Any, cards: Iterable[Card], token: str, prefix: str
) -> list[tuple[str, str, str]]:
    path = checkins_path(activity)
    return [
        (path, token, json.dumps({"card": card.code, "nonce": f"{prefix}-{n}"}))
        for n, card in enumerate(cards)
    ]


def batch_bodies(
    cards: Sequence[Card], *, size: int, devices: int, prefix: str, scanned_at: datetime
) -> list[dict[str, Any]]:
    """Uploads of `size` scans each; upload k comes from device k % devices."""
    return [
        {
            "device": f"{prefix}-device-{k % devices}",
            "items": [
                {
                    "nonce": f"{prefix}-{k}-{i}",
                    "card": card.code,
                    "scanned_at": scanned_at.isoformat(),
                }
                for i, card in enumerate(cards[start : start + size])
            ],
        }
        for k, start in enumerate(range(0, len(cards) - size + 1, size))
    ]


def batch_results(answer: Answer) -> list[dict[str, Any]]:
    """The per-item answers of a batch upload (a list, or under "results"/"items")."""
    body = answer.body
    if isinstance(body, dict):
        body = body.get("results", body.get("items"))
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def code_of(answer: Answer) -> str:
    return str(answer.body.get("code", "")) if isinstance(answer.body, dict) else ""


# --- checking the outcome ----------------------------------------------------------------------


def _checkpoint_rows(activity: Any) -> tuple[Any, list[tuple[int, str, bool]]]:
    from gonghui.checkins.models import CheckIn, Checkpoint

    checkpoint = Checkpoint.objects.get(pk=activity.checkpoint_id)
    rows = list(
        CheckIn.objects.filter(checkpoint=checkpoint).values_list(
            "member_id", "member__number", "walk_in"
        )
    )
    return checkpoint, rows


def _counter_problems(checkpoint: Any, rows: list[tuple[int, str, bool]]) -> list[str]:
    problems = []
    if checkpoint.checked_in != len(rows):
        problems.append(f"Checkpoint.checked_in = {checkpoint.checked_in}, rows = {len(rows)}")
    walk_ins = sum(1 for _m, _n, walk_in in rows if walk_in)
    if checkpoint.walk_ins != walk_ins:
        problems.append(f"Checkpoint.walk_ins = {checkpoint.walk_ins}, rows = {walk_ins}")
    if len({member for member, _n, _w in rows}) != len(rows):
        problems.append("a member checked in twice")
    return problems


def _nonces(prefix: str) -> int:
    from gonghui.checkins.models import ScanNonce

    return ScanNonce.objects.filter(nonce__startswith=f"{prefix}-").count()


def check_scans(
    phase: Phase, activity: Any, numbers: dict[str, int], prefix: str
) -> dict[str, Any]:
    """Every 2xx "checked in" answer is one stored check-in, and every stored one was
    answered so; the counters on the checkpoint equal the rows; every scan's nonce is kept
    (for a retry's replay)."""
    checkpoint, rows = _checkpoint_rows(activity)
    nonces = _nonces(prefix)
    codes = Counter(code_of(a) for a in phase.answers if 200 <= a.status < 300)
    ok = [a for a in phase.answers if 200 <= a.status < 300 and code_of(a) == SUCCESS]
    answered_numbers = [str(a.body.get("member_number")) for a in ok if a.body.get("member_number")]
    stored_numbers = {number for _m, number, _w in rows}
    problems = _counter_problems(checkpoint, rows)
    if phase.stalled or len(phase.answers) != phase.sent:
        problems.append(f"{phase.sent - len(phase.answers)} requests unanswered")
    if len(ok) != len(rows):
        problems.append(f"{len(ok)} answered checked in, {len(rows)} stored")
    other = {code: n for code, n in codes.items() if code != SUCCESS}
    if other:
        # Every scan is a different registered member: anything but a success is wrong.
        problems.append(f"answers other than {SUCCESS}: {other}")
    bad_status = {s: n for s, n in phase.statuses.items() if not 200 <= s < 300}
    if bad_status:
        problems.append(f"non-2xx answers: {bad_status}")
    identified = len(answered_numbers) == len(ok) and bool(ok)
    if identified:
        if len(set(answered_numbers)) != len(answered_numbers):
            problems.append("a member answered checked in twice")
        if set(answered_numbers) != stored_numbers:
            problems.append(
                f"{len(set(answered_numbers) - stored_numbers)} answered but not stored, "
                f"{len(stored_numbers - set(answered_numbers))} stored but not answered"
            )
        if not stored_numbers <= set(numbers):
            problems.append("check-ins of members that were not scanned")
    if nonces != len(phase.answers):
        problems.append(f"{nonces} nonces kept for {len(phase.answers)} scans answered")
    return {
        "requests_sent": phase.sent,
        "answers": len(phase.answers),
        "statuses": dict(sorted(phase.statuses.items())),
        "codes": dict(codes),
        "answered_checked_in": len(ok),
        "distinct_members_answered": len(set(answered_numbers)) if identified else None,
        "checkins_stored": len(rows),
        "distinct_members_stored": len(stored_numbers),
        "checkpoint_checked_in": checkpoint.checked_in,
        "checkpoint_walk_ins": checkpoint.walk_ins,
        "nonces_kept": nonces,
        "problems": problems,
    }


def check_batches(
    phase: Phase, activity: Any, bodies: list[dict[str, Any]], prefix: str
) -> dict[str, Any]:
    """Every item answered checked in is one stored check-in; every scan's nonce is kept."""
    checkpoint, rows = _checkpoint_rows(activity)
    items = [item for a in phase.answers for item in batch_results(a)]
    codes = Counter(str(item.get("code")) for item in items)
    ok = [i for i in items if i.get("code") == SUCCESS and not i.get("replayed")]
    ok_numbers = {str(i.get("member_number")) for i in ok}
    stored_numbers = {number for _m, number, _w in rows}
    nonces = _nonces(prefix)
    sent_items = sum(len(body["items"]) for body in bodies[: phase.sent])
    problems = _counter_problems(checkpoint, rows)
    if phase.stalled or len(phase.answers) != phase.sent:
        problems.append(f"{phase.sent - len(phase.answers)} uploads unanswered")
    bad_status = {s: n for s, n in phase.statuses.items() if not 200 <= s < 300}
    if bad_status:
        problems.append(f"non-2xx answers: {bad_status}")
    if len(items) != sent_items:
        problems.append(f"{len(items)} item answers for {sent_items} items sent")
    if len(ok) != len(rows) or ok_numbers != stored_numbers:
        problems.append(f"{len(ok)} items answered checked in, {len(rows)} stored")
    if codes.keys() - {SUCCESS}:
        problems.append(f"items answered other than {SUCCESS}: {dict(codes)}")
    if nonces != sent_items:
        problems.append(f"{nonces} nonces kept for {sent_items} items")
    return {
        "uploads_sent": phase.sent,
        "uploads_answered": len(phase.answers),
        "statuses": dict(sorted(phase.statuses.items())),
        "items_answered": len(items),
        "item_codes": dict(codes),
        "checkins_stored": len(rows),
        "checkpoint_checked_in": checkpoint.checked_in,
        "nonces_kept": nonces,
        "problems": problems,
    }


def check_replays(
    server: harness.Server,
    token: str,
    activity: Any,
    bodies: list[dict[str, Any]],
    first: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The same uploads again, one after the other: every item is answered as the first time
    (replayed) and nothing changes in the database."""
    before_cp, before = _checkpoint_rows(activity)
    path = checkins_path(activity) + "/batch"
    answers = [post(server, path, token, body) for body in bodies]
    after_cp, after = _checkpoint_rows(activity)
    items = [item for a in answers for item in batch_results(a)]
    sent = sum(len(b["items"]) for b in bodies)
    replayed = sum(1 for i in items if i.get("replayed") is True)
    same = sum(
        1
        for i in items
        if str(i.get("nonce")) in first and i.get("code") == first[str(i["nonce"])].get("code")
    )
    problems = []
    if any(not 200 <= a.status < 300 for a in answers):
        problems.append(f"replay statuses {Counter(a.status for a in answers)}")
    if len(items) != sent or replayed != sent or same != sent:
        problems.append(f"{sent} items sent again: {replayed} replayed, {same} answered alike")
    if len(after) != len(before) or after_cp.checked_in != before_cp.checked_in:
        problems.append(f"the replays changed the check-ins: {len(before)} → {len(after)}")
    return {
        "uploads_sent_again": len(bodies),
        "items_sent_again": sent,
        "items_replayed": replayed,
        "items_answered_as_first_time": same,
        "checkins_before": len(before),
        "checkins_after": len(after),
        "checkpoint_checked_in_after": after_cp.checked_in,
        "problems": problems,
    }


def check_races(phase: Phase, activity: Any, bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Each upload sent twice at the same moment: every member checked in once, the counter
    equal to the rows, and each scan answered as a success exactly once."""
    checkpoint, rows = _checkpoint_rows(activity)
    items = [item for a in phase.answers for item in batch_results(a)]
    by_nonce: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_nonce.setdefault(str(item.get("nonce")), []).append(item)
    fresh = sum(1 for i in items if i.get("code") == SUCCESS and not i.get("replayed"))
    expected = sum(len(b["items"]) for b in bodies)
    problems = _counter_problems(checkpoint, rows)
    if phase.stalled or len(phase.answers) != phase.sent or phase.sent != 2 * len(bodies):
        problems.append(f"{len(phase.answers)} answers for {phase.sent} uploads")
    if len(rows) != expected:
        problems.append(f"{len(rows)} check-ins stored for {expected} members")
    if fresh != len(rows):
        problems.append(f"{fresh} items answered as new check-ins for {len(rows)} stored")
    second = Counter(
        "replayed" if pair[1].get("replayed") else str(pair[1].get("code"))
        for pair in by_nonce.values()
        if len(pair) == 2
    )
    return {
        "uploads": phase.sent,
        "items": len(items),
        "items_answered_new_checkin": fresh,
        "second_copy_answered": dict(second),
        "checkins_stored": len(rows),
        "checkpoint_checked_in": checkpoint.checked_in,
        "problems": problems,
    }


def check_storm(phase: Phase, activity: Any, seats: int, members: int) -> dict[str, Any]:
    from gonghui.checkins.models import Checkpoint, Registration

    checkpoint = Checkpoint.objects.get(pk=activity.checkpoint_id)
    rows = list(
        Registration.objects.filter(checkpoint=checkpoint).values_list("member_id", "status")
    )
    statuses = Counter(status for _m, status in rows)
    answered = Counter(
        str(a.body.get("status", a.body.get("code", "")))
        if isinstance(a.body, dict)
        else "not json"
        for a in phase.answers
    )
    confirmed = statuses.get(Registration.Status.CONFIRMED, 0)
    problems = []
    if phase.stalled or len(phase.answers) != members or phase.sent != members:
        problems.append(f"{len(phase.answers)} answers for {members} registrations")
    if confirmed != seats or checkpoint.confirmed_places != seats:
        problems.append(
            f"{confirmed} confirmed, confirmed_places {checkpoint.confirmed_places}, seats {seats}"
        )
    if len(rows) != members or len({m for m, _s in rows}) != members:
        problems.append(f"{len(rows)} registrations for {members} members")
    if answered.get(Registration.Status.CONFIRMED, 0) != confirmed:
        problems.append(f"{answered.get('confirmed', 0)} answered confirmed, {confirmed} stored")
    if any(not 200 <= s < 300 for s in phase.statuses):
        problems.append(f"statuses {dict(phase.statuses)}")
    return {
        "answers": len(phase.answers),
        "statuses": dict(sorted(phase.statuses.items())),
        "answered": dict(answered),
        "stored": dict(statuses),
        "confirmed_places": checkpoint.confirmed_places,
        "problems": problems,
    }


def check_tallies(union: Any, expected: dict[str, int]) -> dict[str, Any]:
    """The daily tallies of the bench union against the rows (a tally nobody keeps reads 0:
    reported, not counted as wrong here)."""
    from django.db.models import Sum

    from gonghui.orgs.models import Tally

    figures: dict[str, Any] = {}
    problems = []
    for metric, rows in expected.items():
        kept = Tally.objects.filter(org=union, metric=metric).aggregate(n=Sum("value"))["n"] or 0
        figures[metric] = {"tally": kept, "rows": rows}
        if kept and kept != rows:
            problems.append(f"tally {metric} = {kept}, rows = {rows}")
    return {"metrics": figures, "problems": problems}


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Report:
    baselines: dict[int, harness.WrkResult] = field(default_factory=dict)
    scans: dict[int, Phase] = field(default_factory=dict)
    batch: Phase | None = None
    storms: list[Phase] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def endpoint_missing(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return True
    return False


def run(args: argparse.Namespace, work: Path) -> Report:
    report = Report()
    with harness.throwaway_database(args.database, keep=args.keep_db) as url:
        env = harness.production_env(url, work / "data")
        harness.migrate(env)
        harness.configure_django(env)
        from django.utils import timezone

        data = load_data(args)
        harness.close_django_connections()
        vacuum_analyze(url)

        server_args = tuple(args.server_arg)
        if "baseline" not in args.skip:
            for connections in args.connections:
                report.baselines[connections] = harness.measure_baseline(
                    url,
                    work / "logs",
                    connections=connections,
                    seconds=args.baseline_seconds,
                    workers=args.workers,
                    threads=args.threads,
                    server_args=server_args,
                )
        probe = data.scans[args.connections[0]]
        for part, path in (
            ("scan", checkins_path(probe)),
            ("batch", checkins_path(probe) + "/batch"),
            ("storm", f"/api/v1/activities/{probe.pk}/register"),
        ):
            if part not in args.skip and endpoint_missing(path):
                report.missing.append(f"{part}: POST {path} does not exist (yet)")
                args.skip.append(part)
        numbers = {card.number: card.member_id for card in data.cards}
        token = data.staff_token
        with harness.serve_gonghui(
            env, work / "logs", workers=args.workers, threads=args.threads, server_args=server_args
        ) as server:
            if "scan" not in args.skip:
                # Every worker imports and connects on its first requests: not measured.
                warm = scan_lines(data.warm_up, data.cards[:3_000], token, "warm")
                run_phase(
                    "warm-up",
                    server,
                    args.database,
                    work / "warm-up",
                    warm,
                    connections=min(args.connections),
                    threads=args.wrk_threads,
                    seconds=5,
                )
                for n, connections in enumerate(args.connections):
                    activity = data.scans[connections]
                    lines = scan_lines(
                        activity, data.cards[: args.members], token, f"s{connections}"
                    )
                    profile = None
                    if args.profile and n == 0:
                        profile = (args.profile, work, args.py_spy)
                    phase = run_phase(
                        f"single scan, {connections} connections",
                        server,
                        args.database,
                        work / f"scan-{connections}",
                        lines,
                        connections=connections,
                        threads=args.wrk_threads,
                        seconds=args.seconds,
                        profile=profile,
                    )
                    report.scans[connections] = phase
                    report.counts[f"scan_{connections}"] = check_scans(
                        phase, activity, numbers, f"s{connections}"
                    )
                    if len(phase.answers) >= args.members:
                        harness.log(f"all {args.members:,} members scanned: raise --members")
            if "batch" not in args.skip:
                scanned_at = timezone.now() - timedelta(minutes=1)
                bodies = batch_bodies(
                    data.cards[: args.members],
                    size=args.batch_size,
                    devices=args.batch_connections,
                    prefix="bd",
                    scanned_at=scanned_at,
                )
                path = checkins_path(data.batch) + "/batch"
                lines = [(path, token, json.dumps(b, ensure_ascii=False)) for b in bodies]
                phase = run_phase(
                    f"batches of {args.batch_size}",
                    server,
                    args.database,
                    work / "batch",
                    lines,
                    connections=args.batch_connections,
                    threads=args.wrk_threads,
                )
                report.batch = phase
                report.counts["batch"] = check_batches(phase, data.batch, bodies, "bd")
                first = {
                    str(item.get("nonce")): item for a in phase.answers for item in batch_results(a)
                }
                report.counts["batch_replays"] = check_replays(
                    server, token, data.batch, bodies[: args.replays], first
                )
                # Each upload twice at the same moment, on two connections (a device that
                # timed out and sent again while the first upload was still being written).
                race_bodies = batch_bodies(
                    data.cards[: args.batch_size * args.races],
                    size=args.batch_size,
                    devices=args.races,
                    prefix="br",
                    scanned_at=scanned_at,
                )
                path = checkins_path(data.race) + "/batch"
                lines = []
                for body in race_bodies:
                    line = (path, token, json.dumps(body, ensure_ascii=False))
                    lines += [line, line]
                race = run_phase(
                    "uploads sent twice at once",
                    server,
                    args.database,
                    work / "race",
                    lines,
                    connections=2,
                    threads=1,
                )
                report.counts["batch_races"] = check_races(race, data.race, race_bodies)
            if "storm" not in args.skip:
                for n, activity in enumerate(data.storms):
                    path = f"/api/v1/activities/{activity.pk}/register"
                    lines = [(path, raw, "{}") for _member, raw in data.storm_tokens]
                    phase = run_phase(
                        f"registration storm {n + 1}",
                        server,
                        args.database,
                        work / f"storm-{n + 1}",
                        lines,
                        connections=len(lines),
                        threads=args.wrk_threads,
                    )
                    report.storms.append(phase)
                    report.counts[f"storm_{n + 1}"] = check_storm(
                        phase, activity, args.storm_seats, len(lines)
                    )
        report.counts["tallies"] = check_tallies(
            data.union,
            {
                "checkins.activity": _union_rows("checkins", data.union),
                # only the storms' registrations were made through the action (the others
                # were loaded in bulk)
                "activities.registrations": _union_rows("registrations", data.union),
            },
        )
        harness.close_django_connections()
    return report


def _union_rows(kind: str, union: Any) -> int:
    from gonghui.checkins.models import CheckIn, Registration

    if kind == "checkins":
        return CheckIn.objects.filter(checkpoint__org=union).count()
    return Registration.objects.filter(
        checkpoint__org=union, checkpoint__capacity__isnull=False
    ).count()


# --- the figures -------------------------------------------------------------------------------


CPUS = os.cpu_count() or 1


def _figures(
    rate: float, result: harness.WrkResult, per: float, ratio: float | None = None
) -> dict[str, Any]:
    """A row's figures: rate, latency, CPU milliseconds per unit (server, PostgreSQL, wrk),
    the rate those would allow alone on this machine's CPUs, and the share of the machine
    other processes used meanwhile (what makes the rates noisy on a shared machine)."""
    cpu = {
        name.removesuffix("_cpu_s"): seconds * 1000 / (per or 1.0)
        for name, seconds in result.cpu.items()
        if name.endswith("_cpu_s") and name != "machine_busy_cpu_s"
    }
    ours = sum(cpu.values())
    others = result.cpu.get("machine_busy_cpu_s", 0.0) - ours * per / 1000
    wall = result.cpu.get("wall_s", 0.0)
    return {
        "per_s": round(rate, 1),
        "p50_ms": round(result.p50_ms, 1),
        "p90_ms": round(float(result.stats["p90_us"]) / 1000, 1),
        "p99_ms": round(result.p99_ms, 1),
        "max_ms": round(float(result.stats["max_us"]) / 1000, 1),
        "ratio_to_baseline": round(ratio, 3) if ratio is not None else None,
        "cpu_ms": {k: round(v, 3) for k, v in cpu.items()},
        "per_s_alone": round(CPUS * 1000 / ours, 1) if ours else None,
        "others_share": round(max(others, 0.0) / (wall * CPUS), 3) if wall else None,
        "wrk_errors": result.stats["errors"],
    }


def _row(label: str, f: dict[str, Any]) -> tuple[str, ...]:
    cpu = f["cpu_ms"]
    ratio = f["ratio_to_baseline"]
    return (
        label,
        f"{f['per_s']:,.1f}",
        f"{f['p50_ms']:.1f}",
        f"{f['p99_ms']:.1f}",
        f"{ratio:.3f}" if ratio is not None else "",
        f"{cpu.get('server', 0):.2f} + {cpu.get('postgres', 0):.2f} + "
        f"{cpu.get('load_generator', 0):.2f}",
        f"{f['per_s_alone']:,.0f}" if f["per_s_alone"] else "",
        f"{f['others_share'] * 100:.0f} %" if f["others_share"] is not None else "",
    )


def summarize(args: argparse.Namespace, report: Report) -> tuple[dict[str, Any], str]:
    """The figures as a dict (result.json) and as the printed table."""
    rows: list[tuple[str, ...]] = []
    summary: dict[str, Any] = {"single_scan": {}, "baseline": {}}
    for connections in args.connections:
        base = report.baselines.get(connections)
        if base is not None:
            f = _figures(base.requests_per_second, base, float(base.stats["requests"]), 1.0)
            summary["baseline"][connections] = f
            rows.append(_row(f"baseline, {connections} connections", f))
        phase = report.scans.get(connections)
        if phase is not None:
            ratio = phase.rate / base.requests_per_second if base else None
            f = _figures(phase.rate, phase.result, len(phase.answers), ratio)
            f.update(answers=len(phase.answers), elapsed_s=round(phase.elapsed, 2))
            summary["single_scan"][connections] = f
            rows.append(_row(f"single scan, {connections} connections", f))
    if report.batch is not None:
        phase = report.batch
        items = report.counts["batch"]["checkins_stored"]
        f = _figures(items / phase.elapsed if phase.elapsed else 0.0, phase.result, items)
        f.update(
            batch_size=args.batch_size,
            connections=args.batch_connections,
            uploads=len(phase.answers),
            uploads_per_s=round(phase.rate, 1),
            elapsed_s=round(phase.elapsed, 2),
        )
        summary["batch"] = f
        rows.append(
            _row(f"check-ins in batches of {args.batch_size} ({args.batch_connections} conn.)", f)
        )
    if report.storms:
        accepted = [
            report.counts[f"storm_{n + 1}"]["stored"].get("confirmed", 0)
            for n in range(len(report.storms))
        ]
        summary["storm"] = {
            "registrations_per_run": len(report.storms[0].answers),
            "seats": args.storm_seats,
            "accepted_per_run": accepted,
            "runs": [],
        }
        for n, phase in enumerate(report.storms):
            f = _figures(phase.rate, phase.result, len(phase.answers))
            f.update(elapsed_s=round(phase.elapsed, 2), accepted=accepted[n])
            summary["storm"]["runs"].append(f)
            label = f"registration storm {n + 1}: {accepted[n]} of {len(phase.answers):,} in"
            rows.append(_row(label, f))
    header = (
        "",
        "per s",
        "p50 ms",
        "p99 ms",
        "× baseline",
        "CPU ms: server + PG + wrk",
        "alone ≈/s",
        "others",
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(r)
        )
        for r in [header, *rows]
    ]
    return summary, "\n".join("  " + line for line in lines)


def describe_counts(counts: dict[str, Any]) -> list[str]:
    lines = []
    for name, c in counts.items():
        verdict = "OK" if not c["problems"] else "WRONG: " + "; ".join(c["problems"])
        if name.startswith("scan_"):
            distinct = c["distinct_members_answered"]
            detail = (
                f"{c['answers']:,} answers {c['statuses']}, {c['answered_checked_in']:,} answered"
                f" checked in"
                + (f" ({distinct:,} distinct members)" if distinct is not None else "")
                + f" = {c['checkins_stored']:,} stored ({c['distinct_members_stored']:,} members)"
                f" = checkpoint counter {c['checkpoint_checked_in']:,};"
                f" {c['nonces_kept']:,} nonces kept"
            )
        elif name == "batch":
            detail = (
                f"{c['uploads_answered']} uploads {c['statuses']}, {c['items_answered']:,} items "
                f"{c['item_codes']} = {c['checkins_stored']:,} stored = counter "
                f"{c['checkpoint_checked_in']:,}; {c['nonces_kept']:,} nonces kept"
            )
        elif name == "batch_replays":
            detail = (
                f"{c['uploads_sent_again']} uploads sent again ({c['items_sent_again']:,} items): "
                f"{c['items_replayed']:,} replayed, {c['items_answered_as_first_time']:,} "
                f"answered as the first time; check-ins {c['checkins_before']:,} → "
                f"{c['checkins_after']:,}"
            )
        elif name == "batch_races":
            detail = (
                f"{c['uploads']} uploads ({c['items']:,} items), "
                f"{c['items_answered_new_checkin']:,} answered as new check-ins, the other copy "
                f"{c['second_copy_answered']}; {c['checkins_stored']:,} stored, counter "
                f"{c['checkpoint_checked_in']:,}"
            )
        elif name.startswith("storm_"):
            detail = (
                f"{c['answers']:,} answers {c['statuses']}: answered {c['answered']}, stored "
                f"{c['stored']}, confirmed_places {c['confirmed_places']}"
            )
        else:
            detail = ", ".join(
                f"{metric} tally {v['tally']:,} / rows {v['rows']:,}"
                for metric, v in c["metrics"].items()
            )
        lines.append(f"  {name:14} {verdict}: {detail}")
    return lines


def _cpu_ratio(row: dict[str, Any], base: dict[str, Any] | None) -> str:
    """The ratio by CPU cost (what the rate would be alone on the machine), which hardly
    depends on what else the machine runs."""
    if not base or not row["per_s_alone"] or not base["per_s_alone"]:
        return ""
    return f"; by CPU cost {row['per_s_alone'] / base['per_s_alone']:.2f} × baseline"


def aims(summary: dict[str, Any]) -> list[str]:
    lines = []
    for connections, scan in summary["single_scan"].items():
        if scan["ratio_to_baseline"] is None:
            continue
        line = (
            f"  single scan at {connections} connections: {scan['ratio_to_baseline']:.2f} × "
            f"baseline (aim ≥ 0.8), p99 {scan['p99_ms']:.1f} ms"
        )
        if connections == 16:
            line += " (aim ≤ 50 ms)"
        lines.append(line + _cpu_ratio(scan, summary["baseline"].get(connections)))
    if "batch" in summary:
        batch = summary["batch"]
        alone = f"; by CPU cost ≈ {batch['per_s_alone']:,.0f}/s" if batch["per_s_alone"] else ""
        lines.append(f"  batch check-ins: {batch['per_s']:,.0f}/s (aim ≥ 5,000/s){alone}")
    if "storm" in summary:
        lines.append(
            f"  registration storm: accepted {summary['storm']['accepted_per_run']} for "
            f"{summary['storm']['seats']} seats (aim: exactly that many, every run)"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="gonghui-bench-checkin-"))
    harness.log(f"work folder: {work}; load average {load_before[0]:.1f}")
    started = datetime.now().astimezone()
    report = run(args, work)
    load_after = os.getloadavg()
    summary, table = summarize(args, report)
    problems = [f"{name}: {p}" for name, c in report.counts.items() for p in c["problems"]]
    summary.update(
        {
            "started": started.isoformat(timespec="seconds"),
            "members": args.members,
            "workers": args.workers,
            "threads": args.threads,
            "load_average": {"before": load_before, "after": load_after},
            "counts": report.counts,
            "missing": report.missing,
            "problems": problems,
        }
    )
    (work / "result.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    print(
        f"\nCheck-in — {started:%Y-%m-%d %H:%M}, {args.members:,} registered members per "
        f"activity, {args.workers} workers × {args.threads} threads; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after "
        f"({os.cpu_count()} CPUs)\n"
    )
    print(table)
    print("\nAgainst the aims:")
    print("\n".join(aims(summary)) or "  (nothing measured)")
    print("\nCounts:")
    print("\n".join(describe_counts(report.counts)) or "  (nothing measured)")
    for missing in report.missing:
        print(f"\n  NOT MEASURED — {missing}")
    verdict = "PROBLEMS: " + "; ".join(problems) if problems else "OK: every success stored once"
    print(f"\n  {verdict}\n  (details: {work / 'result.json'})\n")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
