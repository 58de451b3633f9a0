"""Cloud Logging entries reduced to what a diagnosis reads, and the line a person reads."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from google.logging.type import log_severity_pb2
from google.protobuf.json_format import MessageToDict

from providers.gateway import Json

_MAX_TEXT = 2000
_MESSAGE_KEYS = ("message", "msg", "textPayload", "error", "err")


def entry_to_json(entry: Any) -> Json:
    """One LogEntry as a small dict; audit-log protoPayloads are dropped (never decoded)."""
    pb = type(entry).pb(entry)
    out: dict[str, Json] = {
        "timestamp": pb.timestamp.ToJsonString(),
        "severity": log_severity_pb2.LogSeverity.Name(pb.severity),
        "log": unquote(pb.log_name.rsplit("/", 1)[-1]),
    }
    if pb.resource.labels.get("revision_name"):
        out["revision"] = pb.resource.labels["revision_name"]
    if pb.text_payload:
        out["text"] = pb.text_payload[:_MAX_TEXT]
    elif pb.HasField("json_payload"):
        out["json"] = MessageToDict(pb.json_payload)
    if pb.HasField("http_request"):
        request = pb.http_request
        out["http"] = {
            "method": request.request_method,
            # The path only: query strings can carry tokens.
            "path": urlsplit(request.request_url).path or "/",
            "status": request.status,
            "latency_s": request.latency.ToTimedelta().total_seconds(),
        }
    return out


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
