"""The benchmark harness: a throwaway PostgreSQL database, the production server started as
`gonghui serve` would be in a deployment, wrk on loopback, and a bare-Django baseline served
the same way in the same run.

A benchmark module uses it like this:

    with throwaway_database("gonghui_bench_x") as url:
        env = production_env(url, data_dir)
        migrate(env)
        configure_django(env)          # this process now reads and writes that database
        ... load data through the project's own code ...
        with serve_gonghui(env) as server:
            result = run_wrk(server.url("/api/v1/..."), script, ...)

Everything binds 127.0.0.1 on a free port, runs for a bounded time, and is stopped (the
servers by their own process group) when the block ends, also on errors.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The server to create benchmark databases on (a maintenance connection, not the data).
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
WORKERS = 4
THREADS = 4


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


# --- the database ----------------------------------------------------------------------------


def _database_url(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _drop(admin: psycopg.Connection[Any], name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def throwaway_database(name: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh, empty database called `name` (dropped first if a previous run left it), and
    its URL; dropped again afterwards unless `keep`."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        _drop(admin, name)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"database {name} created")
    try:
        yield _database_url(name)
    finally:
        if keep:
            log(f"database {name} kept")
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                _drop(admin, name)
            log(f"database {name} dropped")


# --- the project's environment ---------------------------------------------------------------


def _key() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes, base64url


def production_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production deployment: real (fresh) secrets, PostgreSQL, no TLS
    redirect (wrk speaks plain HTTP on loopback), 127.0.0.1 as the only host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}
    env.update(
        DJANGO_SETTINGS_MODULE="gonghui.settings",
        GONGHUI_MODE="production",
        GONGHUI_DATABASE_URL=database_url,
        GONGHUI_DATA_DIR=str(data_dir),
        GONGHUI_SECRET_KEY=secrets.token_urlsafe(64),
        GONGHUI_ENCRYPTION_KEYS="bench1:" + _key(),
        GONGHUI_LOOKUP_KEY=_key(),
        GONGHUI_CARD_SIGNING_KEY=_key(),
        GONGHUI_SSL_REDIRECT="0",
        GONGHUI_ALLOWED_HOSTS="127.0.0.1",
        GONGHUI_LOG_LEVEL="WARNING",
        # Production refuses the senders that do not send; a benchmark measures the server,
        # not a gateway, so texts are dropped (bench/sms.py). PYTHONPATH lets the server
        # import it.
        GONGHUI_SMS_SENDER="bench.sms.DroppingSmsSender",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def gonghui_command(args: list[str], env: Mapping[str, str]) -> None:
    """Run `gonghui <args>` (a management command) in a child process and wait for it."""
    subprocess.run(  # noqa: S603 — our own interpreter and module
        [PYTHON, "-m", "gonghui.cli", *args], env=dict(env), cwd=REPO, check=True
    )


def migrate(env: Mapping[str, str]) -> None:
    started = time.monotonic()
    gonghui_command(["migrate", "--verbosity", "0"], env)
    log(f"migrated in {time.monotonic() - started:.1f} s")


def configure_django(env: Mapping[str, str]) -> None:
    """Make this process a Django process of the benchmarked deployment (same database and
    secrets as the server), so it can load data and count rows with the project's code."""
    os.environ.update(env)
    import django

    django.setup()


def close_django_connections() -> None:
    from django.db import connections

    connections.close_all()


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process group on 127.0.0.1:port, its output in a log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes] = field(repr=False)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_ready(self, health_path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url(health_path), timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {health_path} in {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            # gunicorn's master and its workers share the process group we started.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log_file.close()

    def worker_pids(self) -> list[int]:
        """gunicorn's worker processes (children of the master), e.g. for a profiler."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


@contextmanager
def _serve(
    name: str, command: list[str], env: Mapping[str, str], health_path: str, log_dir: Path
) -> Iterator[Server]:
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 — our own interpreter, fixed arguments
        [*command, "--bind", f"127.0.0.1:{port}"],
        env=dict(env),
        cwd=REPO,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(name, port, process, log_path, log_file)
    try:
        server.wait_until_ready(health_path)
        log(f"{name} ready on 127.0.0.1:{port} (log: {log_path})")
        yield server
    finally:
        server.stop()
        log(f"{name} stopped")


def serve_gonghui(
    env: Mapping[str, str],
    log_dir: Path,
    *,
    workers: int = WORKERS,
    threads: int = THREADS,
    server_args: tuple[str, ...] = (),
) -> Any:
    """`gonghui serve` in production mode (static files collected, gunicorn gthread workers,
    access log on) — the deployment's own command. `server_args` go to gunicorn."""
    command = [PYTHON, "-m", "gonghui.cli", "serve", "--workers", str(workers)]
    command += ["--threads", str(threads), *server_args]
    return _serve("gonghui", command, env, "/healthz", log_dir)


def baseline_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.baseline.settings",
        BASELINE_DATABASE_URL=database_url,
        BASELINE_SECRET_KEY=secrets.token_urlsafe(64),
        PYTHONPATH=str(REPO),
    )
    return env


def setup_baseline(database_url: str, *, tickets: int = 1000) -> str:
    """Create the baseline's two tables in the benchmark database and `tickets` tickets;
    returns the prefix of their secrets (secret i is prefix + i as six digits)."""
    env = baseline_env(database_url)
    subprocess.run(  # noqa: S603 — our own interpreter and Django's command line
        [PYTHON, "-m", "django", "migrate", "--run-syncdb", "--verbosity", "0"],
        env=env,
        cwd=REPO,
        check=True,
    )
    prefix = "t" + secrets.token_hex(8)
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO baseline_ticket (secret) VALUES (%s)",
            [(f"{prefix}{i:06d}",) for i in range(tickets)],
        )
    return prefix


def serve_baseline(
    database_url: str,
    log_dir: Path,
    *,
    workers: int = WORKERS,
    threads: int = THREADS,
    server_args: tuple[str, ...] = (),
) -> Any:
    """The bare baseline under gunicorn with the same worker class, workers, threads and
    access log as `gonghui serve`."""
    command = [PYTHON, "-m", "gunicorn", "bench.baseline.wsgi:application"]
    command += ["--workers", str(workers), "--threads", str(threads), "--access-logfile", "-"]
    command += server_args
    return _serve("baseline", command, baseline_env(database_url), "/healthz", log_dir)


# --- where the CPU went ----------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _database_backends(database: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if command.startswith("postgres: ") and f" {database} " in command:
                pids.append(int(entry.name))
    return pids


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / _TICKS


class CpuMeter:
    """CPU seconds spent while the block runs: by the server's processes, by the PostgreSQL
    backends of the benchmark database, by children of this process that finished (wrk),
    and by the whole machine. Processes are sampled every 0.2 s, so backends that Django
    closes and replaces meanwhile (conn_max_age) are counted too."""

    def __init__(self, server: Server, database: str) -> None:
        self.server, self.database = server, database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.result: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, *, initial: bool = False) -> None:
        pids = [(pid, "server") for pid in [self.server.process.pid, *self.server.worker_pids()]]
        pids += [(pid, "postgres") for pid in _database_backends(self.database)]
        for pid, kind in pids:
            used = _process_cpu(pid)
            if pid not in self.first:
                # A process born during the block counts from zero.
                self.first[pid] = used if initial else 0.0
                self.kind[pid] = kind
            self.last[pid] = max(used, self.last.get(pid, 0.0))

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> "CpuMeter":
        import resource

        self._sample(initial=True)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._start = (time.monotonic(), _machine_busy(), usage.ru_utime + usage.ru_stime)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        import resource

        self._stop.set()
        self._thread.join()
        self._sample()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, machine, children = self._start

        def spent(kind: str) -> float:
            return sum(self.last[p] - self.first[p] for p in self.first if self.kind[p] == kind)

        self.result = {
            "wall_s": time.monotonic() - wall,
            "server_cpu_s": spent("server"),
            "postgres_cpu_s": spent("postgres"),
            "load_generator_cpu_s": usage.ru_utime + usage.ru_stime - children,
            "machine_busy_cpu_s": _machine_busy() - machine,
        }


# --- the load generator ----------------------------------------------------------------------


@dataclass
class WrkResult:
    output: str
    elapsed: float  # wall-clock seconds from start to the stop condition (or the end)
    stats: dict[str, Any]  # what the script's done() printed after BENCH_JSON
    cpu: dict[str, float] = field(default_factory=dict)  # CpuMeter.result, when measured

    def cpu_ms_per_request(self) -> dict[str, float]:
        requests = float(self.stats["requests"]) or 1.0
        return {
            name.removesuffix("_cpu_s"): seconds * 1000 / requests
            for name, seconds in self.cpu.items()
            if name.endswith("_cpu_s")
        }

    @property
    def p50_ms(self) -> float:
        return float(self.stats["p50_us"]) / 1000

    @property
    def p99_ms(self) -> float:
        return float(self.stats["p99_us"]) / 1000

    @property
    def requests_per_second(self) -> float:
        return float(self.stats["requests"]) / (float(self.stats["duration_us"]) / 1e6)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    return path


def run_wrk(
    url: str,
    script: Path,
    *,
    connections: int,
    threads: int = 2,
    duration: int = 60,
    timeout: int = 30,
    script_args: list[str] | None = None,
    stop_when: Callable[[], float | None] | None = None,
) -> WrkResult:
    """Run wrk against a loopback URL for at most `duration` seconds. With `stop_when`, wrk
    is interrupted (and prints its figures) as soon as that returns a time: the moment the
    work was done (time.monotonic()), which ends `elapsed`."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("load tests run against 127.0.0.1 only")
    command = [wrk_path(), "--latency", "-t", str(threads), "-c", str(connections)]
    command += ["-d", f"{duration}s", "--timeout", f"{timeout}s", "-s", str(script), url]
    if script_args:
        command += ["--", *script_args]
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 — wrk from PATH, fixed arguments
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    elapsed: float | None = None
    if stop_when is not None:
        while process.poll() is None:
            finished = stop_when()
            if finished is not None:
                elapsed = finished - started
                process.send_signal(signal.SIGINT)
                break
            time.sleep(0.02)
    output, _ = process.communicate(timeout=duration + 60)
    if elapsed is None:
        elapsed = time.monotonic() - started
    stats: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            stats = json.loads(line.removeprefix("BENCH_JSON "))
    if not stats:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    return WrkResult(output=output, elapsed=elapsed, stats=stats)


def measure_baseline(
    database_url: str,
    log_dir: Path,
    *,
    connections: int,
    seconds: int,
    workers: int = WORKERS,
    threads: int = THREADS,
    server_args: tuple[str, ...] = (),
) -> WrkResult:
    """The bare view's requests/s under the same load shape, after a short warm-up."""
    prefix = setup_baseline(database_url)
    script = Path(__file__).resolve().parent / "baseline" / "tickets.lua"
    with serve_baseline(
        database_url, log_dir, workers=workers, threads=threads, server_args=server_args
    ) as server:
        url = server.url("/")
        run_wrk(url, script, connections=connections, duration=3, script_args=[prefix, "1000"])
        database = urlsplit(database_url).path.lstrip("/")
        with CpuMeter(server, database) as meter:
            result = run_wrk(
                url, script, connections=connections, duration=seconds, script_args=[prefix, "1000"]
            )
        result.cpu = meter.result
    cpu = result.cpu_ms_per_request()
    log(
        f"baseline: {result.requests_per_second:,.0f} requests/s, "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms; CPU per request: "
        f"server {cpu['server']:.2f} ms, PostgreSQL {cpu['postgres']:.2f} ms"
    )
    return result
