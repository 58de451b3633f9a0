"""Reading raw pages and converting series without the generic printer changes no output."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.api import metric_pb2
from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2AsyncClient
from google.cloud.logging_v2.services.logging_service_v2.transports import (
    LoggingServiceV2GrpcAsyncIOTransport,
)
from google.cloud.monitoring_v3.services.metric_service import MetricServiceAsyncClient
from google.cloud.monitoring_v3.services.metric_service.transports import (
    MetricServiceGrpcAsyncIOTransport,
)
from google.cloud.monitoring_v3.types import TimeSeries
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.gcp.api import LOG_FIELD_MASK, CloudRunApi, message_to_json
from providers.gcp.entries import entry_to_json
from providers.gcp.metrics import BASIC, DETAIL, _metric_filter
from providers.gcp.series import series_to_json
from providers.sandbox.gcp import GcpEmulator
from providers.sandbox.runtime import settings_for

SERVICES = ("search-frontend", "profile-svc", "media-resizer", "accounts-api")
PROJECT, REGION = "acme-sandbox", "us-central1"
_KINDS = [v.number for v in metric_pb2.MetricDescriptor.MetricKind.DESCRIPTOR.values]
_TYPES = [v.number for v in metric_pb2.MetricDescriptor.ValueType.DESCRIPTOR.values]


def recording_printer() -> tuple[list[Any], Callable[[Any], Any]]:
    """A `generic` printer that records what it was handed (the fast path hands nothing)."""
    handed: list[Any] = []

    def printer(message: Any) -> Any:
        handed.append(message)
        return message_to_json(message)

    return handed, printer


def same(fast: Any, old: Any) -> None:
    assert fast == old
    assert json.dumps(fast) == json.dumps(old)  # same types and key order


_labels = st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3)
_stamp = st.builds(
    Timestamp,
    seconds=st.integers(0, 253402300799),
    nanos=st.sampled_from([0, 5_000_000, 123_000, 7]) | st.integers(0, 999_999_999),
)
_typed = st.one_of(
    st.builds(dict, double_value=st.floats(allow_nan=False, allow_infinity=False)),
    st.builds(dict, int64_value=st.integers(-(2**63), 2**63 - 1)),
    st.builds(dict, bool_value=st.booleans()),
    st.builds(dict, string_value=st.text(max_size=8)),
    st.just({}),
)
_point = st.fixed_dictionaries(
    {},
    optional={
        "interval": st.fixed_dictionaries({"end_time": _stamp}, optional={"start_time": _stamp}),
        "value": _typed,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    metric=st.fixed_dictionaries({}, optional={"type": st.text(max_size=10), "labels": _labels}),
    resource=st.fixed_dictionaries({}, optional={"type": st.text(max_size=10), "labels": _labels}),
    kind=st.sampled_from(_KINDS),
    value_type=st.sampled_from(_TYPES),
    points=st.lists(_point, max_size=5),
    unit=st.sampled_from(["", "ms", "1"]),
    description=st.sampled_from(["", "p99"]),
)
def test_series_as_the_generic_printer_gives_them(
    *,
    metric: dict[str, Any],
    resource: dict[str, Any],
    kind: int,
    value_type: int,
    points: list[dict[str, Any]],
    unit: str,
    description: str,
) -> None:
    series = TimeSeries(
        metric=metric,
        resource=resource,
        metric_kind=kind,
        value_type=value_type,
        points=points,
        unit=unit,
        description=description,
    )
    handed, printer = recording_printer()
    same(series_to_json(TimeSeries.pb(series), printer), message_to_json(series))
    assert handed == []  # the fast path answered


class TestUnusualSeriesGoToTheGenericPrinter:
    """What the fast path does not know is printed by protobuf, with the same result."""

    @pytest.mark.parametrize(
        "fields",
        [
            {"metadata": {"user_labels": {"team": "search"}}},
            {"points": [{"value": {"double_value": float("inf")}}]},
            {"points": [{"value": {"double_value": float("nan")}}]},
            {"points": [{"value": {"distribution_value": {"count": 3, "mean": 1.5}}}]},
        ],
    )
    def test_unusual_fields(self, fields: dict[str, Any]) -> None:
        series = TimeSeries(metric={"type": "run.googleapis.com/x"}, **fields)
        handed, printer = recording_printer()
        fast = series_to_json(TimeSeries.pb(series), printer)
        assert len(handed) == 1
        assert json.dumps(fast) == json.dumps(message_to_json(series))


@pytest.fixture
async def api(emulator: GcpEmulator) -> AsyncIterator[CloudRunApi]:
    built = CloudRunApi(endpoint=settings_for(emulator).gcp_endpoint, timeout_s=5.0)
    yield built
    await built.close()


@pytest.fixture
async def channel(emulator: GcpEmulator) -> AsyncIterator[grpc.aio.Channel]:
    """A plain gRPC channel to the emulator, for the GAPIC clients the provider used before."""
    endpoint = settings_for(emulator).gcp_endpoint
    assert endpoint is not None
    opened = grpc.aio.insecure_channel(endpoint)
    yield opened
    await opened.close()


class TestSandboxAnswers:
    """Over the sandbox's sockets, the new reading equals the proto-plus reading it replaced."""

    async def test_time_series(self, channel: grpc.aio.Channel, api: CloudRunApi) -> None:
        transport = MetricServiceGrpcAsyncIOTransport(channel=channel)
        client = MetricServiceAsyncClient(transport=transport)
        end = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        start, compared = end - timedelta(hours=2), 0
        queries = {q.metric: q for q in (*BASIC, *DETAIL)}.values()
        for service, query in ((s, q) for s in SERVICES for q in queries):
            metric_filter = _metric_filter(service, REGION, query.metric)
            aggregation = {
                "alignment_period": timedelta(seconds=60),
                "per_series_aligner": query.aligner,
            }
            new = await api.list_time_series(PROJECT, metric_filter, start, end, aggregation)
            pager = await client.list_time_series(
                request={
                    "name": f"projects/{PROJECT}",
                    "filter": metric_filter,
                    "interval": {"start_time": start, "end_time": end},
                    "aggregation": aggregation,
                    "view": "FULL",
                }
            )
            same(new, [message_to_json(s) for s in pager.time_series])
            compared += len(new)
        assert compared > 20  # the scenarios have series to compare

    async def test_log_entries(self, channel: grpc.aio.Channel, api: CloudRunApi) -> None:
        transport = LoggingServiceV2GrpcAsyncIOTransport(channel=channel)
        client = LoggingServiceV2AsyncClient(transport=transport)
        compared = 0
        for service in SERVICES:
            query = (
                f'resource.type="cloud_run_revision" AND resource.labels.service_name="{service}"'
            )
            new = await api.list_log_entries(PROJECT, query, 1000, "")
            pager = await client.list_log_entries(
                request={
                    "resource_names": [f"projects/{PROJECT}"],
                    "filter": query,
                    "order_by": "timestamp desc",
                    "page_size": 1000,
                },
                metadata=(("x-goog-fieldmask", LOG_FIELD_MASK),),
            )
            old = {
                "entries": [entry_to_json(e) for e in pager.entries],
                "next_page_token": pager.next_page_token,
            }
            same(new, old)
            compared += len(new["entries"])
        assert compared > 100  # a full page of entries per service was compared
