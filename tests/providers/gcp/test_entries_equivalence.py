"""The fast LogEntry conversion gives exactly what protobuf's own JSON printer gives."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from google.cloud.logging_v2.types import LogEntry
from google.logging.type import log_severity_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.gcp.entries import entry_to_json

_SEVERITIES = [v.number for v in log_severity_pb2.LogSeverity.DESCRIPTOR.values]
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-(2**40), 2**40)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def reference(entry: Any) -> dict[str, Any]:
    """The conversion as protobuf's printer does it (the previous implementation)."""
    pb = type(entry).pb(entry)
    out: dict[str, Any] = {
        "timestamp": pb.timestamp.ToJsonString(),
        "severity": log_severity_pb2.LogSeverity.Name(pb.severity),
        "log": unquote(pb.log_name.rsplit("/", 1)[-1]),
    }
    if pb.resource.labels.get("revision_name"):
        out["revision"] = pb.resource.labels["revision_name"]
    if pb.text_payload:
        out["text"] = pb.text_payload[:2000]
    elif pb.HasField("json_payload"):
        out["json"] = MessageToDict(pb.json_payload)
    if pb.HasField("http_request"):
        request = pb.http_request
        out["http"] = {
            "method": request.request_method,
            "path": urlsplit(request.request_url).path or "/",
            "status": request.status,
            "latency_s": request.latency.ToTimedelta().total_seconds(),
        }
    return out


@settings(max_examples=300, deadline=None)
@given(
    seconds=st.integers(0, 253402300799),
    nanos=st.sampled_from([0, 5_000_000, 123_000, 7, 999_999_999]) | st.integers(0, 999_999_999),
    severity=st.sampled_from(_SEVERITIES),
    log=st.sampled_from(["run.googleapis.com%2Fstderr", "app", "a%2Fb%20c", "%zz"]),
    text=st.text(max_size=30) | st.just("x" * 2500),
    payload=st.none() | st.dictionaries(st.text(max_size=8), _json, max_size=5),
    url=st.none() | st.sampled_from(["https://x.run.app/a/b?token=s#f", "/p?q", "", "http://h"]),
    revision=st.sampled_from(["", "svc-00002-abc"]),
)
def test_same_as_protobufs_printer(
    *,
    seconds: int,
    nanos: int,
    severity: int,
    log: str,
    text: str,
    payload: dict[str, Any] | None,
    url: str | None,
    revision: str,
) -> None:
    fields: dict[str, Any] = {
        "log_name": f"projects/p/logs/{log}",
        "timestamp": Timestamp(seconds=seconds, nanos=nanos),
        "severity": severity,
        "resource": {"type": "cloud_run_revision", "labels": {"revision_name": revision}},
    }
    if payload is not None:
        fields["json_payload"] = payload
    else:
        fields["text_payload"] = text
    if url is not None:
        fields["http_request"] = {
            "request_method": "GET",
            "request_url": url,
            "status": 503,
            "latency": Duration(seconds=1, nanos=nanos),
        }
    entry = LogEntry(**fields)
    assert entry_to_json(entry) == reference(entry)
    assert entry_to_json(LogEntry.pb(entry)) == reference(entry)  # the raw message too
    assert repr(entry_to_json(entry)) == repr(reference(entry))  # same types and key order


def test_empty_entry() -> None:
    entry = LogEntry()
    assert entry_to_json(entry) == reference(entry)
