"""An informer, as client-go has it: list, then watch one kind, keeping the current objects.

    stopped -> listing -> watching (ready) -> stream ends -> watching again from
                  ^           |  410 Gone (history expired) -> listing
                  |           |  failure (5xx, unreachable, breaker open) -> backoff
                  +-----------+      (ended early by `wake`: the cluster answered a read)

`ready` is True only while a watch is open on top of a complete list; readers
fall back to ordinary requests otherwise. Events are applied in resourceVersion
order per object (an event older than what is held is ignored), and the last
resourceVersion seen (events and bookmarks) is where a new watch resumes.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from kubernetes_asyncio.client import ApiClient
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.watch import Watch

from providers.errors import CircuitOpen, ProviderError, ProviderUnavailable
from providers.gateway import Call, Json, LiveGate
from providers.kubernetes.api import PROVIDER, KubeCluster, ResourceExpired
from providers.kubernetes.scrub import scrub

log = logging.getLogger(__name__)
Obj = dict[str, Any]
ListMethod = Callable[[ApiClient], Callable[..., Awaitable[Any]]]
PAGE = 500


@dataclass(frozen=True, slots=True)
class Kind:
    """A watched resource: how to list it, and whether its objects are scrubbed when kept."""

    name: str
    plural: str
    method: ListMethod
    namespaced: bool = True
    scrubbed: bool = False

    def operation(self, verb: str) -> str:
        return f"{verb}_{self.plural}"


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    """How watches are run (client-go's defaults, roughly)."""

    watch_timeout_s: float = 300.0  # server-side timeoutSeconds; jittered up to 2x
    backoff_s: float = 0.8
    max_backoff_s: float = 30.0
    request_timeout_s: float = 10.0


# After an open breaker's wait, a little more, so the retry finds it half-open.
_PROBE_SLACK_S = 0.05


class Informer:
    """Keeps one kind in one namespace (or cluster-wide) current through list + watch."""

    def __init__(
        self,
        *,
        cluster: KubeCluster,
        scope: str,
        kind: Kind,
        namespace: str | None,
        gate: LiveGate,
        policy: WatchPolicy,
        rng: random.Random | None = None,
        wake: asyncio.Event | None = None,
    ) -> None:
        self.kind = kind
        self.namespace = namespace
        self.ready = False
        self.lists = 0  # complete lists made (the first, then one per 410 Gone)
        self.watches = 0  # watches opened
        self._cluster = cluster
        self._scope = scope
        self._gate = gate
        self._policy = policy
        self._rng = rng or random.Random()
        self._objects: dict[str, Obj] = {}
        self._sorted: list[Obj] | None = None
        self._resource_version: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._progress = asyncio.Condition()
        self._wake = wake  # set when the cluster is evidently reachable again
        self.backing_off = False  # sleeping after a failure

    def start(self) -> None:
        """Begin listing and watching in the background (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"informer:{self}")
            self._task.add_done_callback(self._ended)

    async def stop(self) -> None:
        """Stop watching and forget the objects."""
        self.ready = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        self._objects.clear()
        self._sorted = None

    async def wait_for(self, predicate: Callable[[Informer], bool]) -> None:
        """Return once `predicate(self)` holds; it is checked after every change of state."""
        async with self._progress:
            await self._progress.wait_for(lambda: predicate(self))

    def get(self, name: str) -> Obj | None:
        """One held object by name."""
        return self._objects.get(name)

    def items(self) -> list[Obj]:
        """Every held object, sorted by name as the API server lists them (shared, read-only)."""
        if self._sorted is None:
            self._sorted = [self._objects[name] for name in sorted(self._objects)]
        return self._sorted

    def __str__(self) -> str:
        return f"{self._scope}/{self.namespace or '*'}/{self.kind.plural}"

    async def _run(self) -> None:
        failures = 0
        woken = False
        while True:
            try:
                if self._resource_version is None:
                    await self._relist()
                await self._watch()
                failures, woken = 0, False
            except ResourceExpired:
                log.info("watch %s: resourceVersion expired, listing again", self)
                self._resource_version = None
            except CircuitOpen as exc:
                # Our own breaker refused the call; the cluster was not asked, so this is
                # no failure of it and no reason for a long backoff: a retry that a wake
                # brought while the breaker was still open would otherwise sleep its whole
                # backoff (up to max_backoff_s) after the cluster is back. Try again when
                # the breaker lets a probe through.
                self.ready = False
                await self._gate.clock.sleep(exc.retry_after_s + _PROBE_SLACK_S)
            except (ProviderError, ApiException, aiohttp.ClientError, TimeoutError) as exc:
                self.ready = False
                failures += 1
                wait = self._backoff(failures)
                log.info("watch %s failed (%s); retrying in %.1f s", self, exc, wait)
                # a retry that a wake brought and that failed sleeps its whole backoff
                woken = await self._pause(wait, wakeable=not woken)

    async def _pause(self, seconds: float, *, wakeable: bool) -> bool:
        """Sleep a backoff; True if `wake` ended it early (the signal is then cleared)."""
        sleep = self._gate.clock.sleep(seconds)
        if self._wake is None or not wakeable:
            await sleep
            return False
        self.backing_off = True
        wake = self._wake
        timer = asyncio.ensure_future(sleep)
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait((timer, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.backing_off = False
            for task in (timer, woken):
                task.cancel()
            await asyncio.wait((timer, woken))
        if not woken.cancelled():
            wake.clear()
            log.info("watch %s: the cluster answered a read, retrying now", self)
            return True
        return False

    def _backoff(self, failures: int) -> float:
        base: float = min(
            self._policy.max_backoff_s, self._policy.backoff_s * 2.0 ** (failures - 1)
        )
        return base * (0.5 + self._rng.random() / 2)

    def _call(self, verb: str) -> Call:
        params = (("namespace", self.namespace or ""),)
        return Call(PROVIDER, self._scope, self.kind.operation(verb), params, 0.0, None)

    def _deadline(self) -> float:
        return self._gate.clock.now() + self._policy.request_timeout_s

    async def _relist(self) -> None:
        """A complete list, page by page; replaces what is held."""
        self.ready = False
        objects: dict[str, Obj] = {}
        token: str | None = None
        call = self._call("list")
        while True:
            kwargs: dict[str, Any] = {"limit": PAGE, "_preload_content": False}
            if token:
                kwargs["_continue"] = token
            body: Json = await self._gate.request(
                call, self._page(call.operation, kwargs), deadline=self._deadline()
            )
            for obj in body.get("items") or []:
                objects[obj["metadata"]["name"]] = self._keep(obj)
            meta = body.get("metadata") or {}
            token = meta.get("continue")
            if not token:
                break
        self._objects, self._sorted = objects, None
        self._resource_version = str(meta.get("resourceVersion") or "") or None
        self.lists += 1

    def _page(self, operation: str, kwargs: dict[str, Any]) -> Callable[[], Awaitable[Json]]:
        return lambda: self._cluster.get_json(operation, self._send(kwargs))

    def _send(self, kwargs: dict[str, Any]) -> Callable[[ApiClient], Awaitable[Any]]:
        def send(client: ApiClient) -> Awaitable[Any]:
            args = (self.namespace,) if self.kind.namespaced else ()
            return self.kind.method(client)(*args, **kwargs)

        return send

    async def _watch(self) -> None:
        """One watch from the held resourceVersion until the server ends it."""
        call = self._call("watch")
        timeout = self._policy.watch_timeout_s * (1 + self._rng.random())
        opened = False

        async def open_(**kwargs: Any) -> Any:
            nonlocal opened
            response = await self._gate.request(
                call,
                lambda: self._cluster.open(call.operation, self._send(kwargs)),
                deadline=self._deadline(),
            )
            opened, self.ready = True, True
            self.watches += 1
            await self._moved()
            return response

        watch = _Watch()
        stream = watch.stream(
            open_,
            resource_version=self._resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=int(timeout),
            _request_timeout=aiohttp.ClientTimeout(sock_read=timeout + 30),
        )
        try:
            async with watch:
                async for event in stream:
                    self._apply(str(event["type"]), event["raw_object"])
                    await self._moved()
        except ApiException as exc:  # an ERROR event
            self.ready = False
            if exc.status == 410:
                raise ResourceExpired(str(exc.reason), provider=PROVIDER) from exc
            self._gate.stream_failed(call, _unavailable(call, exc))
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.ready = False
            if opened:  # the stream broke after it opened: the breaker should hear it
                self._gate.stream_failed(call, _unavailable(call, exc))
            raise
        finally:
            self.ready = False

    async def _moved(self) -> None:
        async with self._progress:
            self._progress.notify_all()

    def _apply(self, kind: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        version = str(meta.get("resourceVersion") or "")
        if kind != "BOOKMARK":
            name = str(meta.get("name", ""))
            held = self._objects.get(name)
            if held is not None and _older(version, held):
                return
            if kind == "DELETED":
                self._objects.pop(name, None)
            else:
                self._objects[name] = self._keep(obj)
            self._sorted = None
        if version:
            self._resource_version = version

    def _keep(self, obj: Obj) -> Obj:
        return scrub(obj) if self.kind.scrubbed else obj

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.ready = False
        if not task.cancelled() and task.exception() is not None:
            log.error("watch %s stopped", self, exc_info=task.exception())


class _Watch(Watch):
    """kubernetes_asyncio's `Watch`, without the `ApiClient` it builds for itself.

    `Watch()` creates a whole client (configuration, SSL context loading the system's CA
    certificates, an aiohttp session) only to turn events into model objects. That takes
    ~35 ms of CPU on the development VM, during which the event loop stands still, and a
    namespace's first read opens 5 watches: its diagnosis was held up ~180 ms. Events here
    stay the plain JSON the server sent (no return type: nothing is deserialized), the stream
    runs on the cluster's watch client, and closing releases only the stream's response.
    """

    def __init__(self) -> None:  # no super().__init__(): that is what builds the ApiClient
        self._raw_return_type = None
        self._stop = False
        self.resource_version = None
        self.resp = None

    def get_return_type(self, func: object) -> str:
        return ""  # falsy: unmarshal_event keeps `object` as the server's JSON

    async def close(self) -> None:
        if self.resp is not None:
            self.resp.release()
            self.resp = None


def _unavailable(call: Call, exc: BaseException) -> ProviderUnavailable:
    return ProviderUnavailable(
        f"Kubernetes watch {call.operation} broke: {exc}",
        provider=PROVIDER,
        operation=call.operation,
    )


def _older(version: str, held: Obj) -> bool:
    """Whether `version` predates the held object's (resourceVersions compare as integers
    on every server we know; anything else is taken as newer, as client-go's store does)."""
    mine = str((held.get("metadata") or {}).get("resourceVersion") or "")
    return version.isdigit() and mine.isdigit() and int(version) < int(mine)
