"""The sandbox emulators in a process of their own, so their CPU is not the bot's.

Prints one JSON line with the ProviderSettings fields that point at it, then
answers JSON commands on stdin, one per line:
  {"cmd": "set", "platform": "aws", "operation": "*", "changes": {"down": true}}
  {"cmd": "clear"}                  back to the baseline latency, no faults
  {"cmd": "stats"}                  -> {"calls": {...}, "bytes": {...}, "memo": {...}}
  {"cmd": "times", "platform": p}   -> {"times": [wall-clock seconds of each request]}
  {"cmd": "rollout", "namespace": ns, "deployment": d}   a new Kubernetes rollout
                                    (revision + 1) -> {"revision": "N"}

    .venv/bin/python -m benchmarks.sandbox_server [--latency] [--seed N] [--memo]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from pathlib import Path

from providers.sandbox.faults import Faults, Outcome
from providers.sandbox.kubernetes.rollouts import bump_revision
from providers.sandbox.runtime import Sandbox

BASELINE_LATENCY_S = {"kubernetes": 0.03, "aws": 0.06, "gcp": 0.05}


class TimedFaults(Faults):
    """Faults that also note when each request reached an emulator."""

    def __init__(self, *, seed: int = 7) -> None:
        super().__init__(seed=seed)
        self.times: dict[str, list[float]] = {}
        self._times_lock = threading.Lock()

    def decide(self, platform: str, operation: str) -> tuple[float, Outcome]:
        with self._times_lock:
            self.times.setdefault(platform, []).append(time.time())
        return super().decide(platform, operation)


def baseline(faults: Faults, latency: bool) -> None:
    faults.clear()
    if latency:
        for platform, seconds in BASELINE_LATENCY_S.items():
            faults.set(platform, latency_s=seconds)


def rollout(sandbox: Sandbox, namespace: str, deployment: str) -> dict[str, object]:
    """Bump the revision of a Deployment and its newest ReplicaSet (watches see both change)."""
    state = sandbox.emulators["kubernetes"].state  # type: ignore[attr-defined]
    return {"revision": bump_revision(state, namespace, deployment)}


def answer(
    sandbox: Sandbox, faults: TimedFaults, latency: bool, command: dict[str, object]
) -> dict[str, object]:
    cmd = command.get("cmd")
    if cmd == "set":
        changes = command.get("changes") or {}
        assert isinstance(changes, dict)
        faults.set(str(command["platform"]), str(command.get("operation", "*")), **changes)
    elif cmd == "clear":
        baseline(faults, latency)
    elif cmd == "stats":
        return {
            "calls": dict(faults.calls),
            "bytes": dict(faults.bytes_sent),
            "memo": {"hits": faults.memo.hits, "misses": faults.memo.misses},
        }
    elif cmd == "rollout":
        faults.memo.clear()
        return rollout(sandbox, str(command["namespace"]), str(command["deployment"]))
    elif cmd == "times":
        return {"times": list(faults.times.get(str(command["platform"]), []))}
    return {"ok": True}


async def main(latency: bool, seed: int, memo: bool = False) -> None:
    faults = TimedFaults(seed=seed)
    faults.memo.enabled = memo
    baseline(faults, latency)
    async with await Sandbox.start(faults=faults) as sandbox:
        print(json.dumps(_fields(sandbox)), flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            print(json.dumps(answer(sandbox, faults, latency, json.loads(line))), flush=True)


def _fields(sandbox: Sandbox) -> dict[str, object]:
    settings = sandbox.provider_settings()
    out: dict[str, object] = {}
    for name in settings.__slots__:
        value = getattr(settings, name)
        out[name] = str(value) if isinstance(value, Path) else value
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--memo", action="store_true", help="reuse answers of repeated reads (sandbox/memo.py)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.latency, args.seed, args.memo))
