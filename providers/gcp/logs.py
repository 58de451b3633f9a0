"""The `logs` component: Cloud Logging entries of the service's revisions, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from providers.base import CollectContext
from providers.gateway import Json
from providers.gcp.calls import CloudRunCalls
from providers.gcp.entries import entry_text
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

MAX_ENTRIES = 1000
# Cloud Logging may answer with short or even empty pages (and a token) while it scans:
# bound the sequential chain rather than the entry count alone.
MAX_PAGES = 5
SOURCE = "cloudrun/logs"


def log_filter(calls: CloudRunCalls, since: datetime) -> str:
    """The Logging query for one service since `since` (names are validated, so quoting is safe)."""
    # Rounded to the minute so repeated diagnoses share one cache key.
    start = since.astimezone(UTC).replace(second=0, microsecond=0)
    return (
        'resource.type="cloud_run_revision"'
        f' AND resource.labels.service_name="{calls.names.service}"'
        f' AND resource.labels.location="{calls.names.region}"'
        f' AND timestamp>="{start.strftime("%Y-%m-%dT%H:%M:%SZ")}"'
    )


async def fetch_entries(
    calls: CloudRunCalls, ctx: CollectContext, *, note_truncation: bool = True
) -> list[Json]:
    """Up to 1,000 newest entries since the window start, page by page (memoised per page)."""
    _, rollout = await calls.rollout(ctx)
    query = log_filter(calls, ctx.since)
    entries: list[Json] = []
    token = ""
    for _ in range(MAX_PAGES):
        page = await calls.log_page(ctx, query, MAX_ENTRIES - len(entries), token, rollout)
        entries.extend(page["entries"])
        token = page["next_page_token"]
        if not token or len(entries) >= MAX_ENTRIES:
            break
    if token and note_truncation:
        ctx.note(f"Cloud Logging: only the newest {len(entries[:MAX_ENTRIES])} entries were read")
    return entries[:MAX_ENTRIES]


def entry_evidence(entry: Json) -> Evidence:
    """One log entry as evidence (request logs carry status and latency as attributes)."""
    return entries_evidence([entry])[0]


def entries_evidence(entries: Iterable[Json]) -> list[Evidence]:
    """Entries as evidence, in order.

    Up to a thousand entries per diagnosis, so the per-entry work is kept small:
    entries of one log, severity and revision share one read-only attributes
    mapping and one source string (as other providers share them per stream).
    """
    shared: dict[tuple[str, str, str], tuple[str, dict[str, AttributeValue]]] = {}
    out: list[Evidence] = []
    for entry in entries:
        log = str(entry.get("log", ""))
        severity = str(entry.get("severity", "DEFAULT"))
        revision = entry.get("revision")
        key = (log, severity, str(revision) if revision else "")
        found = shared.get(key)
        if found is None:
            attributes: dict[str, AttributeValue] = {"severity": severity, "log": log}
            if revision:
                attributes["revision"] = str(revision)
            found = shared[key] = (f"{SOURCE}/{log}", attributes)
        source, attributes = found
        http = entry.get("http")
        if http:
            attributes = {
                **attributes,
                "status": int(http["status"]),
                "latency_s": float(http["latency_s"]),
            }
        out.append(
            Evidence(
                "log", source, entry_text(entry), parse_time(entry.get("timestamp")), attributes
            )
        )
    return out


async def collect_logs(calls: CloudRunCalls, ctx: CollectContext) -> list[Evidence]:
    """Request, system and application logs, oldest first."""
    entries = await fetch_entries(calls, ctx)
    if not entries:
        ctx.note(f"Cloud Logging: no entries for {calls.names.service} in the window")
    return entries_evidence(reversed(entries))
