"""The fake Kubernetes API server: the read endpoints a diagnosis uses, in the real wire format.

Lists carry the cluster's resourceVersion and are sorted by name (etcd's key
order); `?watch=true` on a list streams its changes (see `watch`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from providers.kubernetes.selectors import field_selector, label_selector
from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes.scenario import ClusterState, Obj
from providers.sandbox.kubernetes.watch import WatchStream

PLATFORM = "kubernetes"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_FAULTS = {
    "error": (500, "InternalError", "Internal error occurred: etcdserver: request timed out"),
    "throttle": (429, "TooManyRequests", "Too many requests, please try again later."),
    "down": (503, "ServiceUnavailable", "The server is currently unable to handle the request"),
}


def status(code: int, reason: str, message: str, **headers: str) -> web.Response:
    """A `Status` object, the API server's answer to anything that is not a success."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}  # fmt: skip
    return web.json_response(body, status=code, headers=headers)


def build_app(state: ClusterState, faults: Faults, token: str) -> web.Application:
    """The aiohttp application; route names are the fault-injection operation names."""
    api = _Api(state, faults)
    app = web.Application(middlewares=[_gate(faults, token)])
    ns = "/namespaces/{namespace}"
    routes = [
        (f"/apis/apps/v1{ns}/deployments", "list_deployments", api.list_deployments),
        (f"/apis/apps/v1{ns}/deployments/{{name}}", "read_deployment", api.read_deployment),
        (f"/apis/apps/v1{ns}/replicasets", "list_replica_sets", api.list_replica_sets),
        (f"/api/v1{ns}/pods", "list_pods", api.list_pods),
        (f"/api/v1{ns}/pods/{{name}}/log", "read_pod_log", api.read_pod_log),
        (f"/api/v1{ns}/events", "list_events", api.list_events),
        ("/api/v1/nodes", "list_nodes", api.list_nodes),
        ("/api/v1/nodes/{name}", "read_node", api.read_node),
        (f"/apis/metrics.k8s.io/v1beta1{ns}/pods", "pod_metrics", api.pod_metrics),
    ]
    for path, name, handler in routes:
        app.router.add_get(path, handler, name=name)
    app.router.add_route("*", "/{tail:.*}", api.unknown, name="unknown")
    return app


def _gate(faults: Faults, token: str) -> Any:
    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        outcome = await faults.apply(PLATFORM, _operation(request))
        if request.headers.get("Authorization") != f"Bearer {token}":
            response: web.StreamResponse = status(401, "Unauthorized", "Unauthorized")
        elif outcome != "ok":
            code, reason, message = _FAULTS[outcome]
            response = status(
                code, reason, message, **({"Retry-After": "1"} if code == 429 else {})
            )
        else:
            response = await handler(request)
        if isinstance(response, web.Response) and response.body is not None:
            faults.record_bytes(PLATFORM, len(response.body))  # type: ignore[arg-type]
        return response

    return gate


def _operation(request: web.Request) -> str:
    """The fault-injection name of a request: its route's, with `watch_` for a watch."""
    operation = request.match_info.route.name or "unknown"
    if _flag(request, "watch"):  # faults can target watches apart from lists
        operation = operation.replace("list_", "watch_", 1)
    return operation


def _flag(request: web.Request, name: str) -> bool:
    # kubernetes_asyncio sends Python's `True`; the real server accepts any case.
    return request.query.get(name, "false").lower() in ("true", "1")


def _listing(
    state: ClusterState, kind: str, api_version: str, items: list[Obj], **meta: Any
) -> web.Response:
    metadata = {"resourceVersion": str(state.revision), **meta}
    body = {"kind": f"{kind}List", "apiVersion": api_version, "metadata": metadata, "items": items}
    return web.json_response(body)


class _Api:
    """Handlers over one ClusterState."""

    def __init__(self, state: ClusterState, faults: Faults) -> None:
        self.state = state
        self.faults = faults

    def _select(self, request: web.Request, kind: str) -> list[Obj] | web.Response:
        namespace = request.match_info.get("namespace")
        try:
            keep = _selection(request)
        except ValueError as exc:
            return status(400, "BadRequest", str(exc))
        items = [o for o in self.state.of_kind(kind, namespace) if keep(o)]
        return sorted(items, key=lambda o: str(o["metadata"].get("name", "")))

    async def _list(self, request: web.Request, kind: str, api_version: str) -> web.StreamResponse:
        if _flag(request, "watch"):
            return await self._watch(request, kind)
        items = self._select(request, kind)
        if isinstance(items, web.Response):
            return items
        return _listing(self.state, kind, api_version, items)

    async def _watch(self, request: web.Request, kind: str) -> web.StreamResponse:
        try:
            keep = _selection(request)
        except ValueError as exc:
            return status(400, "BadRequest", str(exc))
        operation = _operation(request)

        def unreachable() -> bool:  # a `down` fault that would refuse this watch now drops it
            return self.faults.rule_for(PLATFORM, operation).down

        stream = WatchStream(
            self.state, kind, request.match_info.get("namespace"), keep, unreachable
        )
        try:
            return await stream.serve(request)
        except ValueError as exc:  # a malformed resourceVersion, found before anything was sent
            return status(400, "BadRequest", str(exc))
        finally:
            self.faults.record_bytes(PLATFORM, stream.bytes)

    async def list_deployments(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, "Deployment", "apps/v1")

    async def list_nodes(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, "Node", "v1")

    async def read_deployment(self, request: web.Request) -> web.Response:
        ns, name = request.match_info["namespace"], request.match_info["name"]
        found = self.state.find("Deployment", ns, name)
        if found is None:
            return status(404, "NotFound", f'deployments.apps "{name}" not found')
        return web.json_response(found)

    async def read_node(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        found = self.state.find("Node", None, name)
        if found is None:
            return status(404, "NotFound", f'nodes "{name}" not found')
        return web.json_response(found)

    async def list_replica_sets(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, "ReplicaSet", "apps/v1")

    async def list_pods(self, request: web.Request) -> web.StreamResponse:
        return await self._list(request, "Pod", "v1")

    async def list_events(self, request: web.Request) -> web.StreamResponse:
        if _flag(request, "watch"):
            return await self._watch(request, "Event")
        items = self._select(request, "Event")
        if isinstance(items, web.Response):
            return items
        offset = int(request.query.get("continue") or 0)
        limit = int(request.query.get("limit") or 0) or len(items)
        page, rest = items[offset : offset + limit], len(items) - offset - limit
        more = {"continue": str(offset + limit), "remainingItemCount": rest} if rest > 0 else {}
        return _listing(self.state, "Event", "v1", page, **more)

    async def pod_metrics(self, request: web.Request) -> web.Response:
        items = self._select(request, "PodMetrics")
        if isinstance(items, web.Response):
            return items
        if not self.state.of_kind("PodMetrics", request.match_info["namespace"]):
            # No metrics-server behind the aggregated API for this scenario.
            return status(404, "NotFound", "the server could not find the requested resource")
        return _listing(self.state, "PodMetrics", "metrics.k8s.io/v1beta1", items)

    async def unknown(self, request: web.Request) -> web.Response:
        return status(404, "NotFound", "the server could not find the requested resource")

    async def read_pod_log(self, request: web.Request) -> web.Response:
        ns, name = request.match_info["namespace"], request.match_info["name"]
        pod = self.state.find("Pod", ns, name)
        if pod is None:
            return status(404, "NotFound", f'pods "{name}" not found')
        names = [c["name"] for c in pod["spec"]["containers"]]
        container = request.query.get("container") or (names[0] if len(names) == 1 else "")
        if container not in names:
            choose = f"choose one of: [{' '.join(names)}]"
            return status(
                400, "BadRequest", f"container {container!r} is not valid for pod {name}, {choose}"
            )
        previous = _flag(request, "previous")
        stored = self.state.logs.get((ns, name, container, previous))
        if stored is None:
            refused = _no_log(pod, container, previous=previous)
            if refused is not None:
                return status(400, "BadRequest", refused)
            stored = []
        body = stored if isinstance(stored, bytes) else self._render(request, stored)
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    def _render(self, request: web.Request, lines: list[tuple[datetime, str]]) -> bytes:
        if "sinceSeconds" in request.query:
            since = self.state.now - timedelta(seconds=int(request.query["sinceSeconds"]))
            lines = [line for line in lines if line[0] >= since]
        if "tailLines" in request.query:
            lines = (
                lines[-int(request.query["tailLines"]) :] if int(request.query["tailLines"]) else []
            )
        stamps = _flag(request, "timestamps")
        out = [f"{at:%Y-%m-%dT%H:%M:%S.%f}000Z {text}" if stamps else text for at, text in lines]
        return "".join(f"{line}\n" for line in out).encode()


def _selection(request: web.Request) -> Callable[[Obj], bool]:
    """The request's label and field selectors as one predicate (ValueError if malformed)."""
    checks = []
    if "labelSelector" in request.query:
        checks.append(label_selector(request.query["labelSelector"]))
    if "fieldSelector" in request.query:
        checks.append(field_selector(request.query["fieldSelector"]))
    return lambda obj: all(check(obj) for check in checks)


def _no_log(pod: Obj, container: str, *, previous: bool) -> str | None:
    """The API server's 400 message when there is no such log, else None (an empty log)."""
    name = pod["metadata"]["name"]
    statuses = {s["name"]: s for s in pod.get("status", {}).get("containerStatuses") or []}
    state = statuses.get(container, {})
    if previous:  # no stored previous log: never restarted, or already garbage-collected
        return f'previous terminated container "{container}" in pod "{name}" not found'
    waiting = (state.get("state") or {}).get("waiting")
    if not state or (waiting and not state.get("restartCount")):
        why = {"ImagePullBackOff": "trying and failing to pull image"}.get(
            (waiting or {}).get("reason", ""), (waiting or {}).get("reason", "ContainerCreating")
        )
        return f'container "{container}" in pod "{name}" is waiting to start: {why}'
    return None
