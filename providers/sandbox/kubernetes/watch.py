"""`?watch=true` on the fake API server: changes streamed as JSON lines, as the real server does.

Each line is `{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR", "object": {...}}`
over a chunked HTTP 200 answer. Without a resourceVersion (or with "0") the
current objects come first as ADDED; a resourceVersion older than the kept
history gets one ERROR event carrying a 410 `Status` (reason Expired), and the
stream ends after `timeoutSeconds` (with a BOOKMARK when `allowWatchBookmarks`).
`end_watches` ends every stream cleanly, as a restarting server does; when `cut()`
holds (the API server is made unreachable) the connection is dropped mid-stream
instead, with no final chunk, as a client sees a server that has gone away.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from providers.sandbox.kubernetes.scenario import ClusterState, Obj

Predicate = Callable[[Obj], bool]
DEFAULT_TIMEOUT_S = 1800.0  # the real server picks 30-60 minutes when the client names none


class WatchStream:
    """One watch request: which objects it follows and where it has got to."""

    def __init__(
        self,
        state: ClusterState,
        kind: str,
        namespace: str | None,
        keep: Predicate,
        cut: Callable[[], bool] = lambda: False,
    ):
        self.state = state
        self.kind = kind
        self.namespace = namespace
        self.keep = keep
        self.cut = cut  # whether the server is unreachable now: drop the connection
        self.bytes = 0

    def _mine(self, obj: Obj) -> bool:
        if self.namespace is not None and obj["metadata"].get("namespace") != self.namespace:
            return False
        return self.keep(obj)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """Stream from the request's resourceVersion until its timeout (or the client leaves)."""
        raw = request.query.get("resourceVersion", "")
        if raw not in ("", "0") and not raw.isdigit():
            raise ValueError(f"invalid resourceVersion {raw!r}")
        timeout = float(request.query.get("timeoutSeconds") or DEFAULT_TIMEOUT_S)
        bookmarks = request.query.get("allowWatchBookmarks", "").lower() in ("true", "1")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            await self._stream(response, raw, timeout, bookmarks)
        except ConnectionResetError:  # the client went away: nothing left to tell it
            return response
        except _Unreachable:
            if request.transport is not None:
                request.transport.abort()  # no terminating chunk: the client sees a broken stream
            return response
        await response.write_eof()
        return response

    async def _stream(
        self, response: web.StreamResponse, raw: str, seconds: float, bookmarks: bool
    ) -> None:
        cursor = self.state.revision
        if raw in ("", "0"):
            current = sorted(filter(self._mine, self.state.of_kind(self.kind)), key=_name)
            for obj in current:
                await self._send(response, "ADDED", obj)
        else:
            cursor = int(raw)
        deadline = asyncio.get_running_loop().time() + seconds
        reached = await self._follow(response, cursor, deadline)
        if reached is not None and bookmarks:
            await self._send(response, "BOOKMARK", self._bookmark(reached))

    async def _follow(self, response: web.StreamResponse, cursor: int, until: float) -> int | None:
        """Send changes as they happen; None when ended by an ERROR event or the server."""
        loop = asyncio.get_running_loop()
        epoch = self.state.watch_epoch
        while True:
            if self.cut():
                raise _Unreachable
            if self.state.watch_epoch != epoch:
                return None  # ended by the server: no bookmark
            try:
                changes = self.state.changes_after(cursor)
            except ValueError as exc:
                await self._send(response, "ERROR", _expired(str(exc)))
                return None
            for change in changes:
                if change.kind == self.kind and self._mine(change.object):
                    await self._send(response, change.type, change.object)
            cursor = max(cursor, self.state.revision)
            left = until - loop.time()
            if left <= 0:
                return cursor
            try:
                async with asyncio.timeout(left):
                    await self.state.wait_for_change(cursor, epoch, self.cut)
            except TimeoutError:
                return cursor

    def _bookmark(self, cursor: int) -> Obj:
        sample = next(iter(self.state.of_kind(self.kind)), {})
        return {
            "kind": self.kind,
            "apiVersion": sample.get("apiVersion", "v1"),
            "metadata": {"resourceVersion": str(cursor)},
        }

    async def _send(self, response: web.StreamResponse, kind: str, obj: Any) -> None:
        line = json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"
        self.bytes += len(line)
        await response.write(line)


class _Unreachable(Exception):
    """The server has been made unreachable while the stream was open."""


def _name(obj: Obj) -> str:
    return str(obj["metadata"].get("name", ""))


def _expired(message: str) -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": "Expired", "code": 410}  # fmt: skip
