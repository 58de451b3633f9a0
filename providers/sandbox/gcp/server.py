"""The five RPCs of the Cloud Run sandbox, each behind fault injection and permission switches."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import grpc
from google.cloud import run_v2
from google.cloud.logging_v2.types import ListLogEntriesRequest, ListLogEntriesResponse, LogEntry
from google.cloud.monitoring_v3.types import ListTimeSeriesRequest, ListTimeSeriesResponse
from google.protobuf import field_mask_pb2

from providers.sandbox.faults import Outcome
from providers.sandbox.gcp.scenario import PROJECT, REGION, CloudRunScenario

if TYPE_CHECKING:
    from providers.sandbox.gcp import GcpEmulator

# Cloud Logging may return fewer entries than asked for; pages of 500 exercise paging.
MAX_LOG_PAGE = 500
_ABORTS: dict[Outcome, tuple[grpc.StatusCode, str]] = {
    "throttle": (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'.",
    ),
    "error": (grpc.StatusCode.INTERNAL, "Internal error encountered."),
    "down": (grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable."),
}
_DENIED = {
    "GetService": "run.services.get",
    "GetRevision": "run.revisions.get",
    "ListRevisions": "run.revisions.list",
    "ListLogEntries": "logging.logEntries.list",
    "ListTimeSeries": "monitoring.timeSeries.list",
}


class Handlers:
    """The five RPCs, each behind fault injection and permission switches."""

    def __init__(self, emulator: GcpEmulator) -> None:
        self.emulator = emulator
        # Masked copies of entries, per mask: Google's cost, not the client's, so the
        # sandbox pays it once instead of inside every timed call.
        self._masked: dict[str, dict[int, tuple[Any, Any]]] = {}

    def register(self, server: grpc.aio.Server) -> None:
        services: dict[str, dict[str, tuple[Callable[..., Awaitable[Any]], Any, Any]]] = {
            "google.cloud.run.v2.Services": {
                "GetService": (self.get_service, run_v2.GetServiceRequest, run_v2.Service),
            },
            "google.cloud.run.v2.Revisions": {
                "GetRevision": (self.get_revision, run_v2.GetRevisionRequest, run_v2.Revision),
                "ListRevisions": (
                    self.list_revisions,
                    run_v2.ListRevisionsRequest,
                    run_v2.ListRevisionsResponse,
                ),
            },
            "google.logging.v2.LoggingServiceV2": {
                "ListLogEntries": (
                    self.list_log_entries,
                    ListLogEntriesRequest,
                    ListLogEntriesResponse,
                ),
            },
            "google.monitoring.v3.MetricService": {
                "ListTimeSeries": (
                    self.list_time_series,
                    ListTimeSeriesRequest,
                    ListTimeSeriesResponse,
                ),
            },
        }
        server.add_generic_rpc_handlers(
            tuple(
                grpc.method_handlers_generic_handler(
                    service,
                    {
                        method: grpc.unary_unary_rpc_method_handler(
                            # Raw bytes in and out: the handler parses and serializes, so
                            # that a stored answer can be sent as it is (Faults.memo).
                            self._guarded(method, fn, request, response),
                            request_deserializer=None,
                            response_serializer=self._counted(),
                        )
                        for method, (fn, request, response) in methods.items()
                    },
                )
                for service, methods in services.items()
            )
        )

    def _guarded(
        self,
        method: str,
        fn: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]],
        request_type: Any,
        response_type: Any,
    ) -> Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]:
        faults = self.emulator.faults
        memo = faults.memo

        async def handler(raw: bytes, context: grpc.aio.ServicerContext) -> bytes:
            outcome = await faults.apply("gcp", method)
            if outcome != "ok":
                code, message = _ABORTS[outcome]
                await context.abort(code, message)
            if method in self.emulator.denied:
                await context.abort(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"Permission '{_DENIED[method]}' denied on resource (or it may not exist).",
                )
            # Every RPC here only reads; the answer depends on the request, its field
            # mask and whether masks are honoured.
            metadata = dict(context.invocation_metadata() or ())
            key = ("gcp", method, raw, metadata.get("x-goog-fieldmask"), self.emulator.field_masks)
            generation = memo.generation
            stored: bytes | None = memo.get(key)
            if stored is not None:
                return stored
            data: bytes = response_type.serialize(await fn(request_type.deserialize(raw), context))
            memo.put(key, data, len(data) + len(raw), generation=generation)
            return data

        return handler

    def _counted(self) -> Callable[[bytes], bytes]:
        def serialize(data: bytes) -> bytes:
            self.emulator.faults.record_bytes("gcp", len(data))
            return data

        return serialize

    async def _scenario(self, path: str, context: grpc.aio.ServicerContext) -> CloudRunScenario:
        match = re.fullmatch(r"projects/([^/]+)/locations/([^/]+)/services/([^/]+)(?:/.*)?", path)
        scenario = None
        if match and match.group(1) == PROJECT and match.group(2) == REGION:
            scenario = self.emulator.scenarios.get(match.group(3))
        if scenario is None:
            name = match.group(3) if match else path
            await context.abort(
                grpc.StatusCode.NOT_FOUND,
                f"Resource '{name}' of kind 'SERVICE' in region '{REGION}' "
                f"in project '{PROJECT}' does not exist.",
            )
            raise AssertionError("unreachable: abort raises")
        return scenario

    async def get_service(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return (await self._scenario(request.name, context)).service

    async def get_revision(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        scenario = await self._scenario(request.name, context)
        for revision in scenario.revisions:
            if revision.name == request.name:
                return revision
        await context.abort(
            grpc.StatusCode.NOT_FOUND,
            f"Resource '{request.name.rsplit('/', 1)[-1]}' of kind 'REVISION' in region "
            f"'{REGION}' in project '{PROJECT}' does not exist.",
        )
        raise AssertionError("unreachable: abort raises")

    async def list_revisions(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        scenario = await self._scenario(request.parent, context)
        page, token = await _page(scenario.revisions, request, 1000, context)
        return run_v2.ListRevisionsResponse(revisions=page, next_page_token=token)

    async def list_log_entries(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        entries = []
        service = _filter_value(request.filter, "resource.labels.service_name")
        scenario = self.emulator.scenarios.get(service or "")
        if scenario is not None and f"projects/{PROJECT}" in request.resource_names:
            entries = scenario.entries_matching(request.filter)
            if request.order_by.replace(" ", "").lower() != "timestampdesc":
                entries = entries[::-1]
        size = min(request.page_size or 50, MAX_LOG_PAGE)
        page, token = await _page(entries, request, size, context)
        mask = dict(context.invocation_metadata() or ()).get("x-goog-fieldmask")
        if mask and not self.emulator.field_masks:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Field masks are not supported.")
        if mask:
            page = await self._masked_entries(page, str(mask), context)
        return ListLogEntriesResponse(entries=page, next_page_token=token)

    async def _masked_entries(
        self, entries: list[Any], mask: str, context: grpc.aio.ServicerContext
    ) -> list[Any]:
        """Apply a response field mask (`entries.<path>`, as Google's frontend does)."""
        paths = [p.strip() for p in mask.split(",") if p.strip()]
        per_entry = field_mask_pb2.FieldMask(
            paths=[p.removeprefix("entries.") for p in paths if p.startswith("entries.")]
        )
        known = {"entries", "next_page_token"}
        if not all(p.split(".", 1)[0] in known for p in paths) or not (
            per_entry.IsValidForDescriptor(LogEntry.pb().DESCRIPTOR)
        ):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid field mask: {mask}")
        if "entries" in paths:
            return entries
        cache = self._masked.setdefault(mask, {})
        out = []
        for entry in entries:
            hit = cache.get(id(entry))
            if hit is None:
                kept = LogEntry.pb()()
                per_entry.MergeMessage(LogEntry.pb(entry), kept)
                # Holding the original keeps its id from being reused by another entry.
                hit = cache[id(entry)] = (entry, LogEntry.wrap(kept))
            out.append(hit[1])
        return out

    async def list_time_series(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        service = _filter_value(request.filter, "resource.labels.service_name")
        metric = _filter_value(request.filter, "metric.type") or ""
        scenario = self.emulator.scenarios.get(service or "")
        series: Sequence[Any] = []
        if scenario is not None and request.name == f"projects/{PROJECT}":
            series = scenario.series_matching(
                metric, request.interval.start_time, request.interval.end_time
            )
        page, token = await _page(series, request, 1000, context)
        if request.view == ListTimeSeriesRequest.TimeSeriesView.HEADERS:
            page = [type(s)(metric=s.metric, resource=s.resource) for s in page]
        return ListTimeSeriesResponse(time_series=page, next_page_token=token)


def _filter_value(query: str, key: str) -> str | None:
    match = re.search(re.escape(key) + r'\s*=\s*"([^"]*)"', query)
    return match.group(1) if match else None


async def _page(
    items: Sequence[Any], request: Any, page_size: int, context: grpc.aio.ServicerContext
) -> tuple[list[Any], str]:
    offset = 0
    if request.page_token:
        with contextlib.suppress(ValueError):
            offset = int(request.page_token.removeprefix("offset-"))
        if not request.page_token.startswith("offset-") or offset <= 0:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Invalid page token.")
    size = min(request.page_size or page_size, page_size)
    end = offset + size
    return list(items[offset:end]), (f"offset-{end}" if end < len(items) else "")
