"""The Google API calls the Cloud Run provider makes, on the async GAPIC clients.

Each method performs exactly one RPC (one page for lists), with the configured
timeout and no built-in retry (the gateway retries), translates Google's
exceptions into our error tree, and returns JSON-shaped data for the cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc

from providers.errors import (
    ProviderError,
    ProviderNotFound,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.gateway import Json
from providers.gcp.entries import entry_to_json

T = TypeVar("T")

# A response field mask (Google's `x-goog-fieldmask` system parameter) asking only for what
# `entry_to_json` reads: it cuts a 1,000-entry read from ~500 KB to ~170 KB. Resource labels
# (the revision name among them) are left out on purpose: they are a third of every entry.
LOG_FIELD_MASK = ",".join(
    [
        "next_page_token",
        *(
            f"entries.{path}"
            for path in (
                "timestamp",
                "severity",
                "log_name",
                "text_payload",
                "json_payload",
                "http_request.request_method",
                "http_request.request_url",
                "http_request.status",
                "http_request.latency",
            )
        ),
    ]
)

_TRANSLATIONS: tuple[tuple[type[Exception], type[ProviderError]], ...] = (
    (gexc.NotFound, ProviderNotFound),
    (gexc.PermissionDenied, ProviderPermissionDenied),
    (gexc.Unauthenticated, ProviderPermissionDenied),
    (gexc.ResourceExhausted, ProviderThrottled),
    (gexc.TooManyRequests, ProviderThrottled),
    (gexc.DeadlineExceeded, ProviderTimeout),
    (gexc.ServiceUnavailable, ProviderUnavailable),
    (gexc.InternalServerError, ProviderUnavailable),
    (gexc.Unknown, ProviderUnavailable),
    (gexc.Cancelled, ProviderUnavailable),
)


def translate(exc: Exception, operation: str) -> ProviderError:
    """Google's exception as the branch of our error tree the retry layer understands."""
    message = f"{operation}: {getattr(exc, 'message', None) or exc}"
    if isinstance(exc, auth_exc.DefaultCredentialsError):
        return ProviderPermissionDenied(
            f"{operation}: no Google Application Default Credentials "
            "(run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS)",
            provider="gcp",
            operation=operation,
        )
    if isinstance(exc, TimeoutError):
        return ProviderTimeout(f"{operation}: timed out", provider="gcp", operation=operation)
    for google_type, ours in _TRANSLATIONS:
        if isinstance(exc, google_type):
            return ours(message, provider="gcp", operation=operation)
    return ProviderError(message, provider="gcp", operation=operation)


def message_to_json(message: Any) -> Json:
    """A proto-plus message as a dict with enum names and no default-valued fields."""
    result: Json = type(message).to_dict(
        message, use_integers_for_enums=False, always_print_fields_with_no_presence=False
    )
    return result


class CloudRunApi:
    """One RPC per method over lazily built clients (no credentials needed until a call)."""

    def __init__(self, *, endpoint: str | None, timeout_s: float) -> None:
        self._endpoint = endpoint
        self._timeout_s = timeout_s
        self._clients: dict[str, Any] = {}
        self._channel: Any = None
        self._log_mask = True

    async def get_service(self, path: str) -> Json:
        """run.v2 Services.GetService."""
        return await self._call(
            "run.GetService",
            lambda: self._client("services").get_service(
                name=path, retry=None, timeout=self._timeout_s
            ),
            message_to_json,
        )

    async def get_revision(self, path: str) -> Json:
        """run.v2 Revisions.GetRevision."""
        return await self._call(
            "run.GetRevision",
            lambda: self._client("revisions").get_revision(
                name=path, retry=None, timeout=self._timeout_s
            ),
            message_to_json,
        )

    async def list_revisions(self, service_path: str, page_size: int = 20) -> Json:
        """run.v2 Revisions.ListRevisions, first page only (newest revisions first)."""
        request = {"parent": service_path, "page_size": page_size}

        async def first_page() -> Json:
            pager = await self._client("revisions").list_revisions(
                request=request, retry=None, timeout=self._timeout_s
            )
            # A pager delegates attributes to its current page's response.
            return [message_to_json(r) for r in pager.revisions]

        return await self._call("run.ListRevisions", first_page, lambda value: value)

    async def list_log_entries(
        self, project: str, log_filter: str, page_size: int, page_token: str
    ) -> Json:
        """logging.v2 ListLogEntries, one page, newest first: {"entries", "next_page_token"}."""
        request = {
            "resource_names": [f"projects/{project}"],
            "filter": log_filter,
            "order_by": "timestamp desc",
            "page_size": page_size,
            "page_token": page_token,
        }

        async def one_page() -> Json:
            client = self._client("logging")
            masked = (("x-goog-fieldmask", LOG_FIELD_MASK),) if self._log_mask else ()
            try:
                pager = await client.list_log_entries(
                    request=request, retry=None, timeout=self._timeout_s, metadata=masked
                )
            except gexc.InvalidArgument:
                if not masked:
                    raise
                # This endpoint refuses the mask: full entries from now on.
                self._log_mask = False
                pager = await client.list_log_entries(
                    request=request, retry=None, timeout=self._timeout_s
                )
            return {
                "entries": [entry_to_json(e) for e in pager.entries],
                "next_page_token": pager.next_page_token,
            }

        return await self._call("logging.ListLogEntries", one_page, lambda value: value)

    async def list_time_series(
        self,
        project: str,
        metric_filter: str,
        start: datetime,
        end: datetime,
        aggregation: Mapping[str, Any],
    ) -> Json:
        """monitoring.v3 ListTimeSeries, first page (aligned series are few and short)."""
        request = {
            "name": f"projects/{project}",
            "filter": metric_filter,
            "interval": {"start_time": start, "end_time": end},
            "aggregation": dict(aggregation),
            "view": "FULL",  # the points, not only the series headers
        }

        async def first_page() -> Json:
            pager = await self._client("monitoring").list_time_series(
                request=request, retry=None, timeout=self._timeout_s
            )
            return [message_to_json(s) for s in pager.time_series]

        return await self._call("monitoring.ListTimeSeries", first_page, lambda value: value)

    async def close(self) -> None:
        """Close the transports (or the one shared sandbox channel)."""
        clients, self._clients = self._clients, {}
        if self._channel is not None:
            channel, self._channel = self._channel, None
            await channel.close()
            return
        for client in clients.values():
            await client.transport.close()

    async def _call(
        self, operation: str, rpc: Callable[[], Awaitable[T]], convert: Callable[[T], Json]
    ) -> Json:
        try:
            return convert(await rpc())
        except ProviderError:
            raise
        except (gexc.GoogleAPIError, auth_exc.GoogleAuthError, TimeoutError) as exc:
            raise translate(exc, operation) from exc

    def _client(self, kind: str) -> Any:
        client = self._clients.get(kind)
        if client is None:
            client = self._clients[kind] = self._build(kind)
        return client

    def _build(self, kind: str) -> Any:
        from google.cloud.logging_v2.services.logging_service_v2 import (
            LoggingServiceV2AsyncClient,
        )
        from google.cloud.logging_v2.services.logging_service_v2.transports import (
            LoggingServiceV2GrpcAsyncIOTransport,
        )
        from google.cloud.monitoring_v3.services.metric_service import MetricServiceAsyncClient
        from google.cloud.monitoring_v3.services.metric_service.transports import (
            MetricServiceGrpcAsyncIOTransport,
        )
        from google.cloud.run_v2.services.revisions import RevisionsAsyncClient
        from google.cloud.run_v2.services.revisions.transports import (
            RevisionsGrpcAsyncIOTransport,
        )
        from google.cloud.run_v2.services.services import ServicesAsyncClient
        from google.cloud.run_v2.services.services.transports import (
            ServicesGrpcAsyncIOTransport,
        )

        clients: dict[str, tuple[Any, Any]] = {
            "services": (ServicesAsyncClient, ServicesGrpcAsyncIOTransport),
            "revisions": (RevisionsAsyncClient, RevisionsGrpcAsyncIOTransport),
            "logging": (LoggingServiceV2AsyncClient, LoggingServiceV2GrpcAsyncIOTransport),
            "monitoring": (MetricServiceAsyncClient, MetricServiceGrpcAsyncIOTransport),
        }
        client_type, transport_type = clients[kind]
        if self._endpoint is None:
            # Application Default Credentials and Google's own endpoints.
            return client_type()
        if self._channel is None:
            import grpc

            self._channel = grpc.aio.insecure_channel(self._endpoint)
        return client_type(transport=transport_type(channel=self._channel))
