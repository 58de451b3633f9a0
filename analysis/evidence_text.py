"""Raw pasted text (logs, kubectl describe, stopped reasons, revision messages) -> Evidence."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from providers.model import AttributeValue, Evidence, EvidenceKind

_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)"
)
_EXIT_CODE = re.compile(
    r"(?i)\b(?:exit[ _]?code|exitcode|exit status|exited with(?: code| status)?)\b"
    r"[\"':=\s|]*(-?\d{1,5})\b"
)
_REASON = re.compile(r"^\s*(?:Reason|Status reason|stoppedReason)\s*[:|\t]\s*([A-Za-z][\w.]{2,60})")
_RESTARTS = re.compile(r"(?i)\brestart ?count\b\s*[:=]?\s*(\d{1,6})")
_EVENT = re.compile(
    r"^\s*(?:Warning|Normal)\s{1,}[A-Z][A-Za-z]+\b|"
    r"^\s*\d+[smhd](?:\d+[sm])?\s+(?:Warning|Normal)\s+[A-Z]"
)
_STATUS = re.compile(
    r"(?i)^\s*(?:status reason|stopped ?reason|last state|state|reason|exit code|"
    r"stop code|message)\s*[:|\t]|\bis not ready and cannot serve traffic\b|"
    r"\b(?:CannotPullContainerError|CannotStartContainerError|ResourceInitializationError|"
    r"Essential container in task exited|Task failed ELB health checks)\b"
)
_FRACTION = re.compile(r"(\.\d{6})\d+")


def evidence_from_text(text: str, *, source: str = "input") -> list[Evidence]:
    """One Evidence per non-blank line, with the kind guessed and obvious attributes pulled out."""
    out: list[Evidence] = []
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        out.append(
            Evidence(
                kind=_kind(line),
                source=source,
                text=line,
                timestamp=_timestamp(line),
                attributes=_attributes(line),
            )
        )
    return out


def _kind(line: str) -> EvidenceKind:
    if _EVENT.search(line):
        return "event"
    if _STATUS.search(line):
        return "status"
    return "log"


def _timestamp(line: str) -> datetime | None:
    found = _TIMESTAMP.search(line[:80])
    if found is None:
        return None
    value = _FRACTION.sub(r"\1", found.group(1).replace(" ", "T").replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _attributes(line: str) -> dict[str, AttributeValue]:
    attrs: dict[str, AttributeValue] = {}
    if (code := _EXIT_CODE.search(line)) is not None:
        attrs["exit_code"] = int(code.group(1))
    if (reason := _REASON.search(line)) is not None:
        attrs["reason"] = reason.group(1)
    if (restarts := _RESTARTS.search(line)) is not None:
        attrs["restart_count"] = int(restarts.group(1))
    return attrs
