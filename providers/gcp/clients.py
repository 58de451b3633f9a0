"""The four async GAPIC clients, built on first use: a sandbox channel, or ADC and Google."""

from __future__ import annotations

import asyncio
from typing import Any

_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


def _client_types(kind: str) -> tuple[Any, Any]:
    """(async client class, gRPC asyncio transport class) for one API."""
    if kind == "services":
        from google.cloud.run_v2.services.services import ServicesAsyncClient
        from google.cloud.run_v2.services.services.transports import ServicesGrpcAsyncIOTransport

        return ServicesAsyncClient, ServicesGrpcAsyncIOTransport
    if kind == "revisions":
        from google.cloud.run_v2.services.revisions import RevisionsAsyncClient
        from google.cloud.run_v2.services.revisions.transports import (
            RevisionsGrpcAsyncIOTransport,
        )

        return RevisionsAsyncClient, RevisionsGrpcAsyncIOTransport
    if kind == "logging":
        from google.cloud.logging_v2.services.logging_service_v2 import (
            LoggingServiceV2AsyncClient,
        )
        from google.cloud.logging_v2.services.logging_service_v2.transports import (
            LoggingServiceV2GrpcAsyncIOTransport,
        )

        return LoggingServiceV2AsyncClient, LoggingServiceV2GrpcAsyncIOTransport
    from google.cloud.monitoring_v3.services.metric_service import MetricServiceAsyncClient
    from google.cloud.monitoring_v3.services.metric_service.transports import (
        MetricServiceGrpcAsyncIOTransport,
    )

    return MetricServiceAsyncClient, MetricServiceGrpcAsyncIOTransport


class GcpClients:
    """Clients for "services", "revisions", "logging" and "monitoring", one of each."""

    def __init__(self, *, endpoint: str | None) -> None:
        self._endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self._channel: Any = None
        self._credentials: Any = None
        # components start together; without it each would build (and leak) its own client
        self._lock = asyncio.Lock()

    async def get(self, kind: str) -> Any:
        """The client for `kind`, built now if needed (may raise google.auth errors)."""
        client = self._clients.get(kind)
        if client is None:
            async with self._lock:
                client = self._clients.get(kind)
                if client is None:
                    client = self._clients[kind] = await self._build(kind)
        return client

    async def close(self) -> None:
        """Close the transports (or the one shared sandbox channel)."""
        clients, self._clients = self._clients, {}
        if self._channel is not None:
            channel, self._channel = self._channel, None
            await channel.close()
            return
        for client in clients.values():
            await client.transport.close()

    async def _build(self, kind: str) -> Any:
        client_type, transport_type = _client_types(kind)
        if self._endpoint is not None:
            # The sandbox: plain gRPC on loopback, no credentials at all.
            if self._channel is None:
                import grpc

                self._channel = grpc.aio.insecure_channel(self._endpoint)
            return client_type(transport=transport_type(channel=self._channel))
        if self._credentials is None:
            import google.auth

            # Finding ADC may read files or probe the metadata server: keep it off the loop.
            self._credentials, _ = await asyncio.to_thread(google.auth.default, scopes=_SCOPES)
        return client_type(credentials=self._credentials)
