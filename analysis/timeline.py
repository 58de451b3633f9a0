"""The timeline (rollout, first error, restarts, metric spikes) and the one-line story it tells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from analysis.model import Finding, TimelineEntry
from analysis.redact import redact
from providers.model import Evidence

_SPIKE_PCT = 90.0


@dataclass(frozen=True, slots=True)
class Story:
    """What the timeline says, in entries and in one line."""

    timeline: list[TimelineEntry]
    line: str | None


def tell(evidence: Sequence[Evidence], top: Finding | None, first_error: int | None) -> Story:
    """Build the timeline from timestamps and attributes; `first_error` indexes `evidence`."""
    entries: list[TimelineEntry] = []
    parts: list[str] = []
    attributed = [item for item in evidence if item.attributes]  # most log lines have none
    rollout_at, revision = _rollout(attributed)
    if rollout_at is not None:
        if revision and revision.isdigit():
            revision = f"revision {revision}"  # ECS task-definition revisions are bare numbers
        what = f"rollout of {revision} started" if revision else "rollout started"
        entries.append(TimelineEntry(rollout_at, what))
        parts.append(f"{what} at {_clock(rollout_at)}")
    error_at = evidence[first_error].timestamp if first_error is not None else None
    if first_error is not None and error_at is not None:
        entries.append(TimelineEntry(_aware(error_at), "first error"))
        if rollout_at is not None:
            delta = (_aware(error_at) - rollout_at).total_seconds()
            after = "before it" if delta < 0 else f"{_duration(delta)} after it"
            parts.append(f"first error {after}")
        else:
            parts.append(f"first error at {_clock(_aware(error_at))}")
    restarts = _restarts(attributed, entries)
    if restarts:
        parts.append(f"{restarts} restart{'s' if restarts != 1 else ''}")
    spike = _spike(attributed, entries)
    if spike:
        parts.append(spike)
    entries.sort(key=lambda e: e.at)
    if top is None and not parts:
        return Story(entries, None)
    head = f"{top.title} ({top.category})" if top is not None else "No known failure pattern"
    line = head + (": " + "; ".join(parts) if parts else "")
    return Story(entries, redact(line) + ".")


def _rollout(evidence: Sequence[Evidence]) -> tuple[datetime | None, str | None]:
    for item in evidence:
        started = item.attributes.get("rollout_started")
        if isinstance(started, str):
            at = _parse(started)
            if at is not None:
                revision = item.attributes.get("revision")
                return at, str(revision) if revision is not None else None
    return None, None


def _restarts(evidence: Sequence[Evidence], entries: list[TimelineEntry]) -> int:
    most = 0
    when: datetime | None = None
    for item in evidence:
        count = item.attributes.get("restart_count")
        if isinstance(count, int) and not isinstance(count, bool) and count > most:
            most, when = count, item.timestamp
    if most and when is not None:
        entries.append(TimelineEntry(_aware(when), f"{most} restarts"))
    return most


def _spike(evidence: Sequence[Evidence], entries: list[TimelineEntry]) -> str | None:
    for item in evidence:
        for key, label in (("memory_pct", "memory"), ("cpu_pct", "CPU")):
            value = item.attributes.get(key)
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if value >= _SPIKE_PCT:
                if item.timestamp is not None:
                    entries.append(
                        TimelineEntry(_aware(item.timestamp), f"{label} at {value:.0f}%")
                    )
                return f"{label} reached {value:.0f}% of its limit"
    return None


def _parse(value: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _clock(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%H:%M:%SZ")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
