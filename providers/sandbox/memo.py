"""Answers of read-only emulator calls, kept for reuse (off unless a benchmark turns it on).

A real platform answers one client's fiftieth identical read as fast as its first;
moto and the Cloud Run fakes spend milliseconds of CPU per answer on this machine,
and under load that CPU queues, so an emulator's latency grows with the bot's load
where a platform's would not. With the memo on, an emulator answers a read it has
answered before, with no state change in between, from its stored bytes: injected
latency, faults, permission switches and call counters still apply to every call.
Any write through an emulator, a rollout, or `clear()` empties it; whatever changes
emulated state another way (a scenario added in a test, moto written to directly)
must call `clear()` itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_MAX_ENTRIES = 4096
_MAX_BYTES = 256 * 1024 * 1024


class ResponseMemo:
    """Bounded, thread-safe store of emulator answers keyed by the whole request."""

    def __init__(self, *, enabled: bool = False) -> None:
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Bumped by every `clear()`: a read that started before a write must not be kept."""
        return self._generation

    def get(self, key: Hashable) -> Any | None:
        """The stored answer for `key`, or None (always None while disabled)."""
        if not self.enabled:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, answer: Any, size: int, *, generation: int | None = None) -> None:
        """Keep `answer` (about `size` bytes); the least recently used go first when full.

        With `generation` (read before the answer was computed), an answer computed
        across a `clear()` is dropped: it may predate the write that cleared the memo.
        """
        if not self.enabled:
            return
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (answer, size)
            self._bytes += size
            while self._entries and (len(self._entries) > _MAX_ENTRIES or self._bytes > _MAX_BYTES):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        """Forget every answer (the emulated state changed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
