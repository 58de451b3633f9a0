"""The sandbox itself, driven by the raw async GAPIC clients: paging and errors as Google does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.api_core import exceptions as gexc
from google.cloud import run_v2
from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2AsyncClient
from google.cloud.logging_v2.services.logging_service_v2.transports import (
    LoggingServiceV2GrpcAsyncIOTransport,
)
from google.cloud.run_v2.services.revisions import RevisionsAsyncClient
from google.cloud.run_v2.services.revisions.transports import RevisionsGrpcAsyncIOTransport
from google.cloud.run_v2.services.services import ServicesAsyncClient
from google.cloud.run_v2.services.services.transports import ServicesGrpcAsyncIOTransport

from providers.sandbox.faults import Faults
from providers.sandbox.gcp import GcpEmulator

_FILTER = 'resource.type="cloud_run_revision" AND resource.labels.service_name="search-frontend"'


@pytest.fixture
async def channel(emulator: GcpEmulator) -> AsyncIterator[Any]:
    opened = grpc.aio.insecure_channel(f"127.0.0.1:{emulator.port}")
    yield opened
    await opened.close()


async def _newest_entries(channel: Any, *, page_size: int) -> Any:
    """ListLogEntries for the search-frontend scenario, newest first, as a pager."""
    client = LoggingServiceV2AsyncClient(
        transport=LoggingServiceV2GrpcAsyncIOTransport(channel=channel)
    )
    return await client.list_log_entries(
        request={
            "resource_names": ["projects/acme-sandbox"],
            "filter": _FILTER,
            "order_by": "timestamp desc",
            "page_size": page_size,
        },
        retry=None,
    )


class TestLogPaging:
    """ListLogEntries pages with tokens, newest first, at most 500 entries a page."""

    async def test_every_entry_over_three_pages(self, channel: Any, faults: Faults) -> None:
        pager = await _newest_entries(channel, page_size=1000)
        stamps = [entry.timestamp async for entry in pager]
        assert len(stamps) > 1000
        assert stamps == sorted(stamps, reverse=True)
        assert faults.calls["gcp:ListLogEntries"] == -(-len(stamps) // 500)

    async def test_a_forged_page_token_is_invalid_argument(self, channel: Any) -> None:
        client = LoggingServiceV2AsyncClient(
            transport=LoggingServiceV2GrpcAsyncIOTransport(channel=channel)
        )
        with pytest.raises(gexc.InvalidArgument):
            await client.list_log_entries(
                request={
                    "resource_names": ["projects/acme-sandbox"],
                    "filter": _FILTER,
                    "page_token": "offset--5",
                },
                retry=None,
            )


class TestRunAdmin:
    async def test_unknown_service_is_not_found(self, channel: Any) -> None:
        client = ServicesAsyncClient(transport=ServicesGrpcAsyncIOTransport(channel=channel))
        with pytest.raises(gexc.NotFound, match="does not exist"):
            await client.get_service(
                name="projects/acme-sandbox/locations/us-central1/services/ghost", retry=None
            )

    async def test_revision_reason_survives_the_wire(self, channel: Any) -> None:
        client = RevisionsAsyncClient(transport=RevisionsGrpcAsyncIOTransport(channel=channel))
        revision = await client.get_revision(
            name="projects/acme-sandbox/locations/us-central1/services/profile-svc/revisions/"
            "profile-svc-00008-zt5",
            retry=None,
        )
        ready = next(c for c in revision.conditions if c.type_ == "Ready")
        assert ready.revision_reason == run_v2.Condition.RevisionReason.HEALTH_CHECK_CONTAINER_ERROR


class TestResponseMemo:
    """With the memo on (benchmarks), a repeated read is served from stored bytes."""

    async def _page(self, channel: Any) -> list[Any]:
        pager = await _newest_entries(channel, page_size=100)
        async for entry in pager:  # the first page's first entry is enough
            return [entry]
        return []

    async def test_a_repeated_read_is_remembered_and_identical(
        self, channel: Any, faults: Faults
    ) -> None:
        faults.memo.enabled = True
        first = await self._page(channel)
        assert (faults.memo.hits, faults.memo.misses) == (0, 1)
        second = await self._page(channel)
        assert (faults.memo.hits, faults.memo.misses) == (1, 1)
        assert second == first
        assert faults.calls["gcp:ListLogEntries"] == 2  # every call still counted

    async def test_denied_and_faults_still_apply(
        self, channel: Any, faults: Faults, emulator: GcpEmulator
    ) -> None:
        faults.memo.enabled = True
        await self._page(channel)
        faults.set("gcp", "ListLogEntries", down=True)
        with pytest.raises(gexc.ServiceUnavailable):
            await self._page(channel)
        faults.clear()
        emulator.deny("ListLogEntries")
        with pytest.raises(gexc.PermissionDenied):
            await self._page(channel)
