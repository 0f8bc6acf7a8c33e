"""Running untrusted work (reading an uploaded spreadsheet) in a child process that the
operating system holds to hard limits, so that no file can take the host down.

`run_in_child(work, limits=…)` forks. The child drops to the limits before it does anything
(`RLIMIT_AS` for memory — what the work may add to the address space it inherits —,
`RLIMIT_CPU` for processor time, no core dumps), dies with its parent
(`PR_SET_PDEATHSIG`), runs `work(send)` and ends with `os._exit`, so it never runs the
parent's exit handlers nor touches the parent's database connections. `send` hands small
messages (progress) to the parent over a pipe; bulk results go through a file the parent
opened before the fork. The parent waits, enforces the wall-time limit itself (SIGKILL),
calls `on_tick` about every `TICK_SECONDS` (the import pipeline beats its heartbeat there),
and reads the child's peak memory and CPU time from `wait4`.

Forking (rather than starting a new interpreter) keeps the parent's loaded code, settings and
active language in the child and costs milliseconds. The parent's database connections are
inherited but never used by the child: work that runs here must not touch the database.

SIGTERM or SIGINT while a child runs (a worker being stopped) kills the child at once and
raises `Interrupted` in the parent, which records the job as failed and then hands the signal
to the handler that was there before (`redeliver`), so the worker still stops as it would have.
"""

import contextlib
import ctypes
import json
import logging
import os
import resource
import select
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from gonghui.core.errors import DomainError

logger = logging.getLogger("gonghui.sandbox")

TICK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1
EXIT_REFUSED, EXIT_MEMORY, EXIT_CRASHED = 2, 3, 4
MEMORY_MESSAGE = b'{"memory": true}\n'


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # address space the work may add to what the child inherits (RLIMIT_AS)
    cpu_seconds: int  # processor time (RLIMIT_CPU)
    wall_seconds: int  # time on the clock, enforced by the parent


@dataclass(frozen=True)
class Usage:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


class LimitExceeded(Exception):  # noqa: N818 — a refusal of the work, not a bug
    """The child was stopped by a limit: `which` is "memory", "cpu" or "wall"."""

    def __init__(self, which: str, limits: Limits, usage: Usage) -> None:
        super().__init__(which)
        self.which = which
        self.limits = limits
        self.usage = usage


class ChildFailedError(Exception):
    """The child raised an unexpected error (its traceback is logged by the parent) or died."""


class Interrupted(Exception):  # noqa: N818 — the worker is being stopped
    def __init__(self, signum: int, previous: Any) -> None:
        super().__init__(signal.strsignal(signum) or str(signum))
        self.signum = signum
        self.previous = previous


def redeliver(interrupted: Interrupted) -> None:
    """Hand the signal that interrupted a child to the handler that was there before: a worker
    that was asked to stop stops once the job is recorded."""
    previous = interrupted.previous
    if callable(previous):
        previous(interrupted.signum, None)
    elif previous == signal.SIG_DFL:
        signal.signal(interrupted.signum, signal.SIG_DFL)
        os.kill(os.getpid(), interrupted.signum)


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the CPU limit still ends an orphan
        pass
    if os.getppid() != parent:
        os._exit(EXIT_CRASHED)


def _address_space() -> int:
    """The bytes of address space this process already has (inherited from the parent)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _apply_limits(limits: Limits) -> None:
    # The limit is on what the work adds to the address space the child inherits, so that it
    # means the same in a lean worker and in a large process running tasks inline.
    memory = _address_space() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(
    work: Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]],
    limits: Limits,
    parent: int,
    pipe: int,
) -> None:
    """The child's whole life; it never returns."""
    code = EXIT_CRASHED
    try:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            signal.signal(number, signal.SIG_DFL)
        _die_with_parent(parent)
        _apply_limits(limits)

        def send(message: dict[str, Any]) -> None:
            os.write(pipe, json.dumps(message).encode() + b"\n")

        try:
            result = work(send)
            send({"result": result})
            code = 0
        except DomainError as error:
            send({"refused": {"code": error.code, "message": str(error.message)}})
            code = EXIT_REFUSED
        except MemoryError:
            os.write(pipe, MEMORY_MESSAGE)
            code = EXIT_MEMORY
        except BaseException:
            send({"crashed": traceback.format_exc(limit=20)})
    except MemoryError:
        code = EXIT_MEMORY
    finally:
        os._exit(code)


def _peak_mb(usage: resource.struct_rusage) -> float:
    return usage.ru_maxrss / 1024  # KiB on Linux


def run_in_child(
    work: Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]],
    *,
    limits: Limits,
    on_message: Callable[[dict[str, Any]], None] = lambda _message: None,
    on_tick: Callable[[], bool] = lambda: True,
) -> tuple[dict[str, Any], Usage]:
    """Run `work(send)` in a child held to `limits`; its return value (JSON) and the child's
    usage. A DomainError raised by the work is raised again here; a limit raises
    LimitExceeded; a SIGTERM or SIGINT meanwhile raises Interrupted. `on_tick` returning False
    stops the child (the job was given up elsewhere) and raises ChildFailedError."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(work, limits, parent, write_end)
    os.close(write_end)
    received: list[dict[str, Any]] = []
    stopped: dict[str, Any] = {}

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopped["signum"] = signum
        _kill(pid)

    previous = _trap_signals(stop)
    try:
        _wait_for_messages(pid, read_end, limits, started, received, stopped, on_message, on_tick)
    except BaseException:
        _kill(pid)  # the worker's own failure (its database gone …) ends the child too
        raise
    finally:
        os.close(read_end)
        _restore_signals(previous)
        _, status, rusage = os.wait4(pid, 0)
    usage = Usage(
        seconds=time.monotonic() - started,
        cpu_seconds=rusage.ru_utime + rusage.ru_stime,
        peak_rss_mb=_peak_mb(rusage),
    )
    logger.info(
        "sandboxed child %s ended with status %s after %.1f s (%.1f s CPU, peak %.0f MB)",
        pid,
        status,
        usage.seconds,
        usage.cpu_seconds,
        usage.peak_rss_mb,
        extra={"sandbox_usage": usage},
    )
    if "signum" in stopped:
        raise Interrupted(stopped["signum"], previous.get(stopped["signum"], signal.SIG_DFL))
    return _outcome(received, status, stopped, limits, usage), usage


def _wait_for_messages(
    pid: int,
    pipe: int,
    limits: Limits,
    started: float,
    received: list[dict[str, Any]],
    stopped: dict[str, Any],
    on_message: Callable[[dict[str, Any]], None],
    on_tick: Callable[[], bool],
) -> None:
    pending = b""
    next_tick = started + TICK_SECONDS
    while True:
        now = time.monotonic()
        if now - started > limits.wall_seconds:
            stopped["wall"] = True
            _kill(pid)
            return
        if now >= next_tick:
            next_tick = now + TICK_SECONDS
            if not on_tick():
                stopped["abandoned"] = True
                _kill(pid)
                return
        try:
            ready, _, _ = select.select([pipe], [], [], min(TICK_SECONDS, 0.2))
        except InterruptedError:
            continue
        if "signum" in stopped:
            return
        if not ready:
            continue
        chunk = os.read(pipe, 65536)
        if not chunk:
            return  # the child closed the pipe: it has ended
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "progress" in message:
                on_message(message)
            else:
                received.append(message)


def _outcome(
    received: list[dict[str, Any]],
    status: int,
    stopped: dict[str, Any],
    limits: Limits,
    usage: Usage,
) -> dict[str, Any]:
    final = received[-1] if received else {}
    if "result" in final and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        result: dict[str, Any] = final["result"]
        return result
    if "refused" in final:
        raise DomainError(final["refused"]["code"], final["refused"]["message"])
    if "wall" in stopped:
        raise LimitExceeded("wall", limits, usage)
    if "abandoned" in stopped:
        raise ChildFailedError("given up while running")
    if final.get("memory") or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_MEMORY):
        raise LimitExceeded("memory", limits, usage)
    if os.WIFSIGNALED(status) and (
        os.WTERMSIG(status) == signal.SIGXCPU
        or (os.WTERMSIG(status) == signal.SIGKILL and usage.cpu_seconds >= limits.cpu_seconds)
    ):
        raise LimitExceeded("cpu", limits, usage)
    if "crashed" in final:
        logger.error("sandboxed work failed:\n%s", final["crashed"])
        raise ChildFailedError("the work raised an error")
    # Killed some other way; a failed allocation inside C code ends like this too.
    raise ChildFailedError(f"the child ended with status {status}")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _trap_signals(handler: Callable[[int, FrameType | None], None]) -> dict[int, Any]:
    """Install `handler` for SIGTERM and SIGINT where that is possible (the main thread; a
    request thread of the web server leaves signals to the server)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for number in (signal.SIGTERM, signal.SIGINT):
        previous[number] = signal.signal(number, handler)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)
