"""Kubernetes sandbox scenarios: kubectl-shaped JSON moved to "now", and generated logs."""

from __future__ import annotations

import asyncio
import copy
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "kubernetes"
# The instant the scenario files call "now"; every timestamp is shifted by (now - this) on load.
REFERENCE = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")

Obj = dict[str, Any]
LogKey = tuple[str, str, str, bool]  # namespace, pod, container, previous
LogLines = list[tuple[datetime, str]]
Edit = Callable[[Obj], None]


# Changes kept for watches to resume from; a watch from before them gets 410 Gone.
HISTORY = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One watch event as the API server records it: after `revision`, `kind` changed."""

    revision: int
    type: str  # ADDED | MODIFIED | DELETED
    kind: str
    object: Obj


@dataclass
class ClusterState:
    """Every object the fake API server knows, by kind, plus container logs.

    Every change goes through `add`, `modify` or `delete`: each gives the object a
    new `metadata.resourceVersion` (one counter for the whole cluster, like etcd's)
    and records a `Change` that watches stream.
    """

    now: datetime
    objects: dict[str, list[Obj]] = field(default_factory=dict)
    logs: dict[LogKey, LogLines | bytes] = field(default_factory=dict)
    revision: int = 1000
    history: list[Change] = field(default_factory=list)
    floor: int = 1000  # the oldest resourceVersion a watch may resume from
    watch_epoch: int = 0  # moved by end_watches: open watches end
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def of_kind(self, kind: str, namespace: str | None = None) -> list[Obj]:
        """Objects of `kind` (in `namespace`, when given)."""
        items = self.objects.get(kind, [])
        if namespace is None:
            return items
        return [o for o in items if o.get("metadata", {}).get("namespace") == namespace]

    def find(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        """One object by kind, namespace and name."""
        return next(
            (o for o in self.of_kind(kind, namespace) if o["metadata"].get("name") == name), None
        )

    def add(self, item: Obj) -> None:
        """Add one object (as `kubectl get -o json` shows it)."""
        self.objects.setdefault(str(item["kind"]), []).append(item)
        self._record("ADDED", item)

    def modify(self, kind: str, namespace: str | None, name: str, change: Edit) -> Obj:
        """Apply `change` to one object in place (KeyError if there is no such object)."""
        found = self.find(kind, namespace, name)
        if found is None:
            raise KeyError(f"{kind} {namespace}/{name}")
        change(found)
        self._record("MODIFIED", found)
        return found

    def delete(self, kind: str, namespace: str | None, name: str) -> None:
        """Remove one object (KeyError if there is no such object)."""
        found = self.find(kind, namespace, name)
        if found is None:
            raise KeyError(f"{kind} {namespace}/{name}")
        self.objects[kind].remove(found)
        self._record("DELETED", found)

    def changes_after(self, revision: int) -> list[Change]:
        """Changes newer than `revision` (ValueError when that is older than the history)."""
        if revision < self.floor:
            raise ValueError(f"too old resource version: {revision} ({self.floor})")
        return [c for c in self.history if c.revision > revision]

    def compact(self) -> None:
        """Forget the history, as etcd compaction does: older watches get 410 Gone."""
        self.history.clear()
        self.floor = self.revision

    def end_watches(self) -> None:
        """End every open watch, as an API server restart does (clients resume or relist)."""
        self.watch_epoch += 1
        self._wake()

    def wake_watches(self) -> None:
        """Wake every open watch to look again whether it must end (the fault rules changed)."""
        self._wake()

    async def wait_for_change(
        self, revision: int, epoch: int, cut: Callable[[], bool] = lambda: False
    ) -> None:
        """Return once the cluster has moved past `revision`, watches of `epoch` must end,
        or `cut()` holds (checked whenever watches are woken)."""
        while self.revision <= revision and self.watch_epoch == epoch and not cut():
            await self._changed.wait()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _record(self, kind_of_change: str, item: Obj) -> None:
        self.revision += 1
        item.setdefault("metadata", {})["resourceVersion"] = str(self.revision)
        change = Change(self.revision, kind_of_change, str(item["kind"]), copy.deepcopy(item))
        self.history.append(change)
        if len(self.history) > HISTORY:
            self.floor = self.history.pop(0).revision
        self._wake()


def load(directory: Path = SCENARIO_DIR, *, now: datetime | None = None) -> ClusterState:
    """Read every `<name>.json` List (and `<name>.logs.json`) with timestamps moved to now."""
    state = ClusterState(now=now or datetime.now(UTC))
    delta = state.now - REFERENCE
    for path in sorted(directory.glob("*.json")):
        if not path.name.endswith(".logs.json"):
            for item in shift(json.loads(path.read_text()), delta)["items"]:
                state.add(item)
    for path in sorted(directory.glob("*.logs.json")):
        spec = json.loads(path.read_text())
        for stream in spec["streams"]:
            pod = next(p for p in state.of_kind("Pod") if p["metadata"]["name"] == stream["pod"])
            key = (
                pod["metadata"]["namespace"],
                stream["pod"],
                stream["container"],
                stream["previous"],
            )
            state.logs[key] = generate_log(stream, spec["noise"][stream["noise"]], delta)
    state.compact()  # the loaded objects are the starting point, not changes to replay
    return state


def shift(value: Any, delta: timedelta) -> Any:
    """A copy of `value` with every RFC 3339 UTC timestamp string moved by `delta`."""
    if isinstance(value, dict):
        return {k: shift(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, delta) for v in value]
    if isinstance(value, str) and _STAMP.fullmatch(value):
        return format_time(datetime.fromisoformat(value) + delta)
    return value


def format_time(when: datetime) -> str:
    """RFC 3339 with a Z, as the API server writes object timestamps."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_log(stream: Obj, templates: list[str], delta: timedelta) -> LogLines:
    """Ordinary lines drawn deterministically from `templates`, the decisive ones among them."""
    rng = random.Random(stream["seed"])
    start = datetime.fromisoformat(stream["start"]) + delta
    end = datetime.fromisoformat(stream["end"]) + delta
    span = (end - start).total_seconds()
    weights = [1 if t.startswith("WARNING") else 12 for t in templates]
    lines: LogLines = []
    for i in range(stream["count"]):
        at = start + timedelta(seconds=span * (i + rng.random()) / stream["count"])
        lines.append((at, rng.choices(templates, weights)[0].format(**_fill(rng))))
    lines += [(datetime.fromisoformat(at) + delta, text) for at, text in stream["lines"]]
    lines.sort(key=lambda line: line[0])
    if stream.get("format") == "python":
        return [(at, f"{at:%Y-%m-%d %H:%M:%S},{at.microsecond // 1000:03d} {t}") for at, t in lines]
    return lines


def _fill(rng: random.Random) -> dict[str, object]:
    return {
        "hex": f"{rng.getrandbits(48):012x}",
        "p": rng.randrange(6),
        "offset": rng.randrange(10**6, 10**7),
        "ms": rng.randrange(3, 180),
        "slow": rng.randrange(520, 2400),
        "amount": f"{rng.randrange(100, 250_000) / 100:.2f}",
        "n": rng.randrange(100, 99_999),
        "rows": rng.randrange(1, 5_000),
        "octet": rng.randrange(2, 254),
        "port": rng.randrange(30_000, 60_000),
    }
