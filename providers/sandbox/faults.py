"""Injectable latency, errors, throttling and outages for the sandbox emulators.

Every emulator calls `Faults.apply(platform, operation)` before answering; the
outcome tells it to answer normally, with a server error, or with throttling,
each in its own wire format. Counters record what reached the "platform", so
benchmarks can count provider calls and bytes. Emulators that hold connections
open (the Kubernetes watches) `subscribe` to hear of rule changes at once, so an
outage also ends what is already open, as a real one would.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

from providers.sandbox.memo import ResponseMemo

Outcome: TypeAlias = Literal["ok", "error", "throttle", "down"]


@dataclass(frozen=True, slots=True)
class FaultRule:
    """How one platform operation (or `*` for all of a platform) misbehaves."""

    latency_s: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    down: bool = False


class Faults:
    """Thread-safe fault rules and call counters shared by all emulators."""

    def __init__(self, *, seed: int = 7) -> None:
        self._rules: dict[tuple[str, str], FaultRule] = {}
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.calls: Counter[str] = Counter()
        self.bytes_sent: Counter[str] = Counter()
        self._listeners: list[Callable[[], None]] = []
        # Reusable answers of read-only calls; off by default (providers/sandbox/memo.py).
        self.memo = ResponseMemo()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` after every change of the rules (from the changing thread);
        returns the function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def set(self, platform: str, operation: str = "*", **changes: float | bool) -> None:
        """Change the rule for `platform`/`operation` (`*` = every operation)."""
        with self._lock:
            current = self._rules.get((platform, operation), FaultRule())
            self._rules[(platform, operation)] = replace(current, **changes)  # type: ignore[arg-type]
        self._changed()

    def clear(self) -> None:
        """Back to a healthy, instant platform."""
        with self._lock:
            self._rules.clear()
        self._changed()

    def _changed(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def rule_for(self, platform: str, operation: str) -> FaultRule:
        """The operation's own rule, else the platform-wide one, else none."""
        with self._lock:
            return (
                self._rules.get((platform, operation))
                or self._rules.get((platform, "*"))
                or FaultRule()
            )

    def decide(self, platform: str, operation: str) -> tuple[float, Outcome]:
        """Count the call and pick its latency and outcome (no waiting)."""
        rule = self.rule_for(platform, operation)
        with self._lock:
            self.calls[f"{platform}:{operation}"] += 1
            draw = self._random.random()
        if rule.down:
            return rule.latency_s, "down"
        if draw < rule.throttle_rate:
            return rule.latency_s, "throttle"
        if draw < rule.throttle_rate + rule.error_rate:
            return rule.latency_s, "error"
        return rule.latency_s, "ok"

    async def apply(self, platform: str, operation: str) -> Outcome:
        """Wait the injected latency, then return how to answer."""
        latency, outcome = self.decide(platform, operation)
        if latency > 0:
            await asyncio.sleep(latency)
        return outcome

    def record_bytes(self, platform: str, count: int) -> None:
        """Count response bytes sent by an emulator."""
        with self._lock:
            self.bytes_sent[platform] += count

    def total_calls(self, platform: str | None = None) -> int:
        """Calls that reached the emulators (of one platform, or all)."""
        with self._lock:
            return sum(
                n for key, n in self.calls.items() if platform is None or key.startswith(platform)
            )
