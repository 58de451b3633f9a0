"""The fake Kubernetes API server: the read endpoints a diagnosis uses, in the real wire format."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes.scenario import ClusterState, Obj
from providers.sandbox.kubernetes.selectors import field_selector, label_selector

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
    api = _Api(state)
    app = web.Application(middlewares=[_gate(faults, token)])
    ns = "/namespaces/{namespace}"
    routes = [
        (f"/apis/apps/v1{ns}/deployments/{{name}}", "read_deployment", api.read_deployment),
        (f"/apis/apps/v1{ns}/replicasets", "list_replica_sets", api.list_replica_sets),
        (f"/api/v1{ns}/pods", "list_pods", api.list_pods),
        (f"/api/v1{ns}/pods/{{name}}/log", "read_pod_log", api.read_pod_log),
        (f"/api/v1{ns}/events", "list_events", api.list_events),
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
        operation = request.match_info.route.name or "unknown"
        outcome = await faults.apply(PLATFORM, operation)
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


def _flag(request: web.Request, name: str) -> bool:
    # kubernetes_asyncio sends Python's `True`; the real server accepts any case.
    return request.query.get(name, "false").lower() in ("true", "1")


def _listing(kind: str, api_version: str, items: list[Obj], **meta: Any) -> web.Response:
    body = {"kind": f"{kind}List", "apiVersion": api_version,
            "metadata": {"resourceVersion": "990001", **meta}, "items": items}  # fmt: skip
    return web.json_response(body)


class _Api:
    """Handlers over one ClusterState."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state

    def _select(self, request: web.Request, kind: str) -> list[Obj] | web.Response:
        items = self.state.of_kind(kind, request.match_info["namespace"])
        try:
            if "labelSelector" in request.query:
                items = list(filter(label_selector(request.query["labelSelector"]), items))
            if "fieldSelector" in request.query:
                items = list(filter(field_selector(request.query["fieldSelector"]), items))
        except ValueError as exc:
            return status(400, "BadRequest", str(exc))
        return items

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

    async def list_replica_sets(self, request: web.Request) -> web.Response:
        items = self._select(request, "ReplicaSet")
        return (
            items if isinstance(items, web.Response) else _listing("ReplicaSet", "apps/v1", items)
        )

    async def list_pods(self, request: web.Request) -> web.Response:
        items = self._select(request, "Pod")
        return items if isinstance(items, web.Response) else _listing("Pod", "v1", items)

    async def list_events(self, request: web.Request) -> web.Response:
        items = self._select(request, "Event")
        if isinstance(items, web.Response):
            return items
        items = sorted(items, key=lambda e: str(e["metadata"]["name"]))
        offset = int(request.query.get("continue") or 0)
        limit = int(request.query.get("limit") or 0) or len(items)
        page, rest = items[offset : offset + limit], len(items) - offset - limit
        more = {"continue": str(offset + limit), "remainingItemCount": rest} if rest > 0 else {}
        return _listing("Event", "v1", page, **more)

    async def pod_metrics(self, request: web.Request) -> web.Response:
        items = self._select(request, "PodMetrics")
        if isinstance(items, web.Response):
            return items
        if not self.state.of_kind("PodMetrics", request.match_info["namespace"]):
            # No metrics-server behind the aggregated API for this scenario.
            return status(404, "NotFound", "the server could not find the requested resource")
        return _listing("PodMetrics", "metrics.k8s.io/v1beta1", items)

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
