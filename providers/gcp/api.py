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
from providers.gcp.clients import GcpClients
from providers.gcp.entries import entry_to_json
from providers.gcp.series import series_to_json

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


async def raw_first_page(pager: Any) -> Any:
    """A pager's first response as the raw protobuf message.

    Iterating the pager's items through proto-plus wraps each one in a Python object;
    the converters read the raw messages, so the page is taken as it arrived.
    """
    pages = pager.pages
    try:
        page = await anext(pages)  # the response already received: no request
    finally:
        await pages.aclose()
    return type(page).pb(page)


class CloudRunApi:
    """One RPC per method over lazily built clients (no credentials needed until a call)."""

    def __init__(self, *, endpoint: str | None, timeout_s: float) -> None:
        self._clients = GcpClients(endpoint=endpoint)
        self._timeout_s = timeout_s
        self._log_mask = True

    async def get_service(self, path: str) -> Json:
        """run.v2 Services.GetService."""
        return await self._call(
            "run.GetService",
            "services",
            lambda client: client.get_service(name=path, retry=None, timeout=self._timeout_s),
            message_to_json,
        )

    async def get_revision(self, path: str) -> Json:
        """run.v2 Revisions.GetRevision."""
        return await self._call(
            "run.GetRevision",
            "revisions",
            lambda client: client.get_revision(name=path, retry=None, timeout=self._timeout_s),
            message_to_json,
        )

    async def list_revisions(self, service_path: str, page_size: int = 20) -> Json:
        """run.v2 Revisions.ListRevisions, first page only (newest revisions first)."""
        request = {"parent": service_path, "page_size": page_size}

        async def first_page(client: Any) -> Json:
            pager = await client.list_revisions(
                request=request, retry=None, timeout=self._timeout_s
            )
            # A pager delegates attributes to its current page's response.
            return [message_to_json(r) for r in pager.revisions]

        return await self._call("run.ListRevisions", "revisions", first_page)

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

        async def one_page(client: Any) -> Json:
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
            page = await raw_first_page(pager)
            return {
                "entries": [entry_to_json(e) for e in page.entries],
                "next_page_token": page.next_page_token,
            }

        return await self._call("logging.ListLogEntries", "logging", one_page)

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

        async def first_page(client: Any) -> Json:
            pager = await client.list_time_series(
                request=request, retry=None, timeout=self._timeout_s
            )
            page = await raw_first_page(pager)
            return [series_to_json(s, message_to_json) for s in page.time_series]

        return await self._call("monitoring.ListTimeSeries", "monitoring", first_page)

    async def close(self) -> None:
        """Close the clients' channels."""
        await self._clients.close()

    async def _call(
        self,
        operation: str,
        kind: str,
        invoke: Callable[[Any], Awaitable[T]],
        convert: Callable[[T], Json] = lambda value: value,
    ) -> Json:
        try:
            return convert(await invoke(await self._clients.get(kind)))
        except ProviderError:
            raise
        except (gexc.GoogleAPIError, auth_exc.GoogleAuthError, TimeoutError) as exc:
            raise translate(exc, operation) from exc
