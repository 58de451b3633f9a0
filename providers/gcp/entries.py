"""Cloud Logging entries reduced to what a diagnosis reads, and the line a person reads."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from google.cloud.logging_v2.types import LogEntry
from google.logging.type import log_severity_pb2
from google.protobuf.json_format import MessageToDict

from providers.gateway import Json

_MAX_TEXT = 2000
_MESSAGE_KEYS = ("message", "msg", "textPayload", "error", "err")
_SEVERITY = {v.number: v.name for v in log_severity_pb2.LogSeverity.DESCRIPTOR.values}
_RAW_ENTRY = LogEntry.pb()
_EPOCH = datetime(1970, 1, 1)  # naive, as protobuf formats it


def entry_to_json(entry: Any) -> Json:
    """One LogEntry as a small dict; audit-log protoPayloads are dropped (never decoded).

    This runs for every entry of every cold log read, so it avoids protobuf's generic
    JSON printer and repeated parsing; the output is the same as `MessageToDict`'s.
    """
    # A proto-plus LogEntry, or the raw message behind it (no per-entry wrapper to build).
    pb = entry if isinstance(entry, _RAW_ENTRY) else type(entry).pb(entry)
    severity = pb.severity
    out: dict[str, Json] = {
        "timestamp": timestamp_json(pb.timestamp.seconds, pb.timestamp.nanos),
        "severity": _SEVERITY.get(severity) or log_severity_pb2.LogSeverity.Name(severity),
        "log": _log_id(pb.log_name),
    }
    revision = pb.resource.labels.get("revision_name")
    if revision:
        out["revision"] = revision
    if pb.text_payload:
        out["text"] = pb.text_payload[:_MAX_TEXT]
    elif pb.HasField("json_payload"):
        try:
            out["json"] = _struct(pb.json_payload)
        except ValueError:  # a non-finite number: let protobuf's printer say what it says
            out["json"] = MessageToDict(pb.json_payload)
    if pb.HasField("http_request"):
        request = pb.http_request
        out["http"] = {
            "method": request.request_method,
            # The path only: query strings can carry tokens.
            "path": _path(request.request_url),
            "status": request.status,
            "latency_s": request.latency.ToTimedelta().total_seconds(),
        }
    return out


@lru_cache(maxsize=256)
def _log_id(log_name: str) -> str:
    # A handful of distinct log names per service: decode each once.
    return unquote(log_name.rsplit("/", 1)[-1])


@lru_cache(maxsize=4096)
def _path(url: str) -> str:
    # Request URLs repeat (health checks, the same endpoints): split each once.
    return urlsplit(url).path or "/"


@lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    # Busy logs write many entries per second.
    return (_EPOCH + timedelta(seconds=seconds)).isoformat()


def timestamp_json(seconds: int, nanos: int) -> str:
    """RFC 3339 as protobuf's `Timestamp.ToJsonString` writes it (0, 3, 6 or 9 digits, Z)."""
    head = _second(seconds)
    if nanos == 0:
        return head + "Z"
    if nanos % 1_000_000 == 0:
        return f"{head}.{nanos // 1_000_000:03d}Z"
    if nanos % 1_000 == 0:
        return f"{head}.{nanos // 1_000:06d}Z"
    return f"{head}.{nanos:09d}Z"


def _struct(message: Any) -> dict[str, Json]:
    return {key: _value(value) for key, value in message.fields.items()}


def _value(value: Any) -> Json:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return str(value.string_value)
    if kind == "number_value":
        number = float(value.number_value)
        if not math.isfinite(number):
            raise ValueError("non-finite number")
        return number
    if kind == "bool_value":
        return bool(value.bool_value)
    if kind == "struct_value":
        return _struct(value.struct_value)
    if kind == "list_value":
        return [_value(item) for item in value.list_value.values]
    return None


def entry_text(entry: Json) -> str:
    """What a person would read for this entry (request logs as `GET /x 504 latency=300.0s`)."""
    http = entry.get("http")
    if http:
        latency = float(http["latency_s"])
        shown = f"{latency:.1f}" if latency >= 1 else f"{latency:.3f}"
        line = f"{http['method']} {http['path']} {http['status']} latency={shown}s"
        # Cloud Run puts its own explanation of a failed request (timeout, crash) beside it.
        return f"{line}: {entry['text']}" if "text" in entry else line
    if "text" in entry:
        return str(entry["text"])
    payload = entry.get("json")
    if isinstance(payload, dict):
        for key in _MESSAGE_KEYS:
            value = payload.get(key)
            if isinstance(value, str) and value:
                return value[:_MAX_TEXT]
        return json.dumps(payload, sort_keys=True)[:_MAX_TEXT]
    return ""
