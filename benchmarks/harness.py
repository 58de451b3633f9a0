"""What every benchmark shares: a sandboxed bot with injected latency, call recording, figures."""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import resource
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.diagnoser import Diagnoser
from bot.settings import Settings
from providers.gateway import Call, Fetched, Gateway, Json
from providers.model import PLATFORMS, Platform
from providers.resilience.gateway import ResilientGateway

# Per-request latency injected at each emulator: typical in-region API round trips.
LATENCY_S: dict[str, float] = {"kubernetes": 0.03, "aws": 0.06, "gcp": 0.05}
FAULT_PLATFORM: dict[str, str] = {"kubernetes": "kubernetes", "ecs": "aws", "cloudrun": "gcp"}
PROVIDER_LATENCY_S: dict[str, float] = {"kubernetes": 0.03, "ecs": 0.06, "aws": 0.06, "gcp": 0.05}


@dataclass(slots=True)
class CallRecord:
    """One gateway call: when, which, and whether it reached the platform."""

    start: float
    end: float
    call: Call
    reached: bool
    tag: str = ""


# Set per request by a benchmark: the records of calls made on that request's behalf.
# Tasks inherit it, so a diagnosis's component calls land in its requester's list; a
# request that joins someone else's running diagnosis makes no calls and records none.
REQUEST_RECORDS: contextvars.ContextVar[list[CallRecord] | None] = contextvars.ContextVar(
    "request_records", default=None
)


@dataclass
class Recorder:
    """A gateway wrapper that records every call and every request that reached a platform."""

    inner: Gateway
    records: list[CallRecord] = field(default_factory=list)
    tag: str = ""

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        reached: list[tuple[float, float]] = []

        async def timed() -> Json:
            t0 = time.perf_counter()
            try:
                return await fn()
            finally:
                reached.append((t0, time.perf_counter()))

        t0 = time.perf_counter()
        try:
            return await self.inner.fetch(call, timed, deadline=deadline)
        finally:
            mine = REQUEST_RECORDS.get()
            made = [CallRecord(start, end, call, True, self.tag) for start, end in reached]
            if not made:
                made = [CallRecord(t0, time.perf_counter(), call, False, self.tag)]
            self.records.extend(made)
            if mine is not None:
                mine.extend(made)


def chain_s(records: Iterable[CallRecord], *, injected: bool = False) -> float:
    """The slowest chain of dependent requests.

    The longest path through requests that ran one after another (each started
    after the previous one ended), each weighted by how long it took to answer
    (client, loopback, emulator and injected latency) or, with `injected`, by the
    injected latency alone (the floor no implementation can beat).
    """
    reached = sorted((r for r in records if r.reached), key=lambda r: r.start)
    best: list[float] = []
    for i, record in enumerate(reached):
        before = [best[j] for j in range(i) if reached[j].end <= record.start]
        weight = (
            PROVIDER_LATENCY_S.get(record.call.provider, 0.0)
            if injected
            else record.end - record.start
        )
        best.append(weight + max(before, default=0.0))
    return max(best, default=0.0)


@asynccontextmanager
async def sandboxed_bot(
    *,
    platforms: Iterable[Platform] = PLATFORMS,
    latency: bool = True,
    **settings: Any,
) -> AsyncIterator[Diagnoser]:
    """A Diagnoser on the sandbox, with realistic latency injected at every emulator."""
    diagnoser = await Diagnoser.start(Settings(sandbox=True, **settings), platforms=platforms)
    assert diagnoser.sandbox is not None
    if latency:
        for platform, seconds in LATENCY_S.items():
            diagnoser.sandbox.faults.set(platform, latency_s=seconds)
    try:
        yield diagnoser
    finally:
        await diagnoser.close()
        if isinstance(diagnoser.gateway, ResilientGateway):
            await diagnoser.gateway.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def rss_bytes() -> int:
    """Resident set size of this process now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_s() -> float:
    """User + system CPU seconds used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(benchmark: str, **figures: object) -> None:
    """Print the one JSON line of figures."""
    print(json.dumps({"benchmark": benchmark, **figures}, sort_keys=False))


def round_ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def pin(cores: set[int], pid: int | None = None) -> None:
    """Run every thread of a process (this one by default) on `cores` only.

    Linux sets affinity per thread, and threads started later inherit their creator's.
    """
    root = os.getpid() if pid is None else pid
    for tid in os.listdir(f"/proc/{root}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(tid), cores)


def split_cores() -> tuple[set[int], set[int]] | None:
    """(the bot's cores, the emulators' cores): the usable cores cut in two, if there are 2+."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return None
    half = len(usable) // 2
    return set(usable[:half]), set(usable[half:])


class SandboxProcess:
    """benchmarks.sandbox_server in a child process, driven over its stdin/stdout.

    With `cores`, the child and everything it starts (moto's server) run on those cores.
    With `memo`, the emulators reuse answers of repeated reads (providers/sandbox/memo.py).
    """

    def __init__(
        self,
        *,
        latency: bool = True,
        seed: int = 7,
        cores: set[int] | None = None,
        memo: bool = False,
    ) -> None:
        import subprocess
        import sys

        args = [sys.executable, "-m", "benchmarks.sandbox_server", "--seed", str(seed)]
        if memo:
            args.append("--memo")
        mine = os.sched_getaffinity(0)
        if cores:
            pin(cores)  # for a moment, so that the child inherits it from its first instruction
        try:
            self._proc = subprocess.Popen(
                [*args, "--latency"] if latency else args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        finally:
            if cores:
                pin(mine)
        assert self._proc.stdout is not None
        self.settings: dict[str, Any] = json.loads(self._proc.stdout.readline())

    def command(self, **command: object) -> dict[str, Any]:
        """Send one command and read its answer."""
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(command) + "\n")
        self._proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return answer

    def total_calls(self, platform: str | None = None) -> int:
        calls: dict[str, int] = self.command(cmd="stats")["calls"]
        return sum(n for k, n in calls.items() if platform is None or k.startswith(platform))

    def cpu_s(self) -> float:
        """CPU seconds used so far by the sandbox process and its descendants (moto's server)."""
        return sum(_proc_cpu_s(pid) for pid in _descendants(self._proc.pid))

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)


def _proc_stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()  # fields after the command name
    except (OSError, IndexError):
        return None  # exited meanwhile


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _proc_stat(int(entry))) is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _proc_cpu_s(pid: int) -> float:
    fields = _proc_stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@asynccontextmanager
async def remote_bot(sandbox: dict[str, Any], **settings: Any) -> AsyncIterator[Diagnoser]:
    """A Diagnoser (the production one) whose providers point at a SandboxProcess."""
    from pathlib import Path

    from analysis.engine import Engine
    from bot.catalog import Catalog
    from bot.diagnoser import build_gateway
    from providers.registry import ProviderSettings
    from providers.sandbox.runtime import CATALOG_PATH

    fields = dict(sandbox)
    if fields.get("kubeconfig"):
        fields["kubeconfig"] = Path(fields["kubeconfig"])
    config = Settings(sandbox=False, **settings)
    diagnoser = Diagnoser(
        settings=config,
        catalog=Catalog.load(CATALOG_PATH),
        provider_settings=ProviderSettings(**fields),
        gateway=build_gateway(config),
        analyzer=Engine.load([]),
    )
    try:
        yield diagnoser
    finally:
        await diagnoser.close()
        if isinstance(diagnoser.gateway, ResilientGateway):
            await diagnoser.gateway.close()
