"""The `metrics` components: Cloud Monitoring series of the service, aligned per minute."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from providers.base import CollectContext
from providers.gateway import Json
from providers.gcp.calls import CloudRunCalls
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

SOURCE = "cloudrun/metrics"
_PREFIX = "run.googleapis.com/"


@dataclass(frozen=True, slots=True)
class Query:
    """One aligned metric query and how to read its series."""

    metric: str
    aligner: str
    reducer: str
    group_by: tuple[str, ...]
    read: Callable[[str, list[Json]], list[Evidence]]


def _value(point: Json) -> float:
    value = point.get("value") or {}
    # int64 values arrive as JSON strings.
    return float(value.get("double_value", value.get("int64_value", 0.0)))


def _peak(series: list[Json]) -> tuple[float, datetime | None]:
    best, when = 0.0, None
    for one in series:
        for point in one.get("points") or []:
            value = _value(point)
            if when is None or value > best:
                best, when = value, parse_time((point.get("interval") or {}).get("end_time"))
    return best, when


def _label(series: Json, name: str) -> str:
    for scope in ("metric", "resource"):
        labels = (series.get(scope) or {}).get("labels") or {}
        if name in labels:
            return str(labels[name])
    return "?"


def _totals(series: list[Json], label: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for one in series:
        key = _label(one, label)
        totals[key] = totals.get(key, 0.0) + sum(_value(p) for p in one.get("points") or [])
    return totals


def _request_counts(service: str, series: list[Json]) -> list[Evidence]:
    totals = _totals(series, "response_code_class")
    total = sum(totals.values())
    if total <= 0:
        return []
    errors = totals.get("5xx", 0.0)
    parts = ", ".join(f"{k} {int(v)}" for k, v in sorted(totals.items()))
    text = f"Service {service} request_count by response class: {parts} ({errors / total:.1%} 5xx)"
    attributes: dict[str, AttributeValue] = {
        "metric": "request_count",
        "requests_total": int(total),
        "requests_5xx": int(errors),
        "error_rate_pct": round(100 * errors / total, 1),
    }
    return [Evidence("metric", SOURCE, text, None, attributes)]


def _peak_reader(
    name: str, label: str, unit: str, attribute: str, scale: float
) -> Callable[[str, list[Json]], list[Evidence]]:
    def read(service: str, series: list[Json]) -> list[Evidence]:
        peak, when = _peak(series)
        if when is None:
            return []
        value = round(peak * scale, 1)
        text = f"Service {service} {label} peaked at {value:g}{unit}"
        return [Evidence("metric", SOURCE, text, when, {"metric": name, attribute: value})]

    return read


def _per_revision(service: str, series: list[Json]) -> list[Evidence]:
    by_revision: dict[str, dict[str, float]] = {}
    for one in series:
        counts = by_revision.setdefault(_label(one, "revision_name"), {})
        code = _label(one, "response_code_class")
        counts[code] = counts.get(code, 0.0) + sum(_value(p) for p in one.get("points") or [])
    evidence = []
    for revision, counts in sorted(by_revision.items()):
        total = sum(counts.values())
        if total > 0:
            rate = 100 * counts.get("5xx", 0.0) / total
            text = f"Revision {revision}: {int(total)} requests, {rate:.1f}% 5xx"
            evidence.append(
                Evidence(
                    "metric",
                    SOURCE,
                    text,
                    None,
                    {
                        "metric": "request_count",
                        "revision": revision,
                        "error_rate_pct": round(rate, 1),
                    },
                )
            )
    return evidence


BASIC: tuple[Query, ...] = (
    Query(
        "request_count",
        "ALIGN_DELTA",
        "REDUCE_SUM",
        ("metric.labels.response_code_class",),
        _request_counts,
    ),
    Query(
        "request_latencies",
        "ALIGN_PERCENTILE_99",
        "REDUCE_MAX",
        (),
        _peak_reader("request_latencies", "request latency p99", " ms", "latency_p99_ms", 1.0),
    ),
    Query(
        "container/memory/utilizations",
        "ALIGN_PERCENTILE_99",
        "REDUCE_MAX",
        (),
        _peak_reader(
            "memory_utilization",
            "container memory utilization p99",
            "% of the limit",
            "memory_pct",
            100.0,
        ),
    ),
    Query(
        "container/cpu/utilizations",
        "ALIGN_PERCENTILE_99",
        "REDUCE_MAX",
        (),
        _peak_reader(
            "cpu_utilization", "container CPU utilization p99", "% of the limit", "cpu_pct", 100.0
        ),
    ),
    Query(
        "container/instance_count",
        "ALIGN_MAX",
        "REDUCE_SUM",
        (),
        _peak_reader("instance_count", "instance count", " instances", "instance_count", 1.0),
    ),
)
DETAIL: tuple[Query, ...] = (
    Query(
        "request_count",
        "ALIGN_DELTA",
        "REDUCE_SUM",
        ("resource.labels.revision_name", "metric.labels.response_code_class"),
        _per_revision,
    ),
    Query(
        "container/startup_latencies",
        "ALIGN_PERCENTILE_99",
        "REDUCE_MAX",
        (),
        _peak_reader(
            "startup_latency", "container startup latency p99", " ms", "startup_latency_ms", 1.0
        ),
    ),
    Query(
        "container/max_request_concurrencies",
        "ALIGN_PERCENTILE_99",
        "REDUCE_MAX",
        (),
        _peak_reader(
            "max_request_concurrency", "max request concurrency p99", "", "max_concurrency", 1.0
        ),
    ),
)


def _metric_filter(service: str, region: str, metric: str) -> str:
    return (
        f'metric.type="{_PREFIX}{metric}" AND resource.type="cloud_run_revision"'
        f' AND resource.labels.service_name="{service}" AND resource.labels.location="{region}"'
    )


async def collect_metrics(
    calls: CloudRunCalls, ctx: CollectContext, queries: Sequence[Query] = BASIC
) -> list[Evidence]:
    """Run the queries concurrently; a metric with no data is simply absent."""
    _, rollout = await calls.rollout(ctx)
    start = ctx.since.astimezone(UTC).replace(second=0, microsecond=0)
    end = ctx.until.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    names = calls.names
    answers = await asyncio.gather(
        *(
            calls.time_series(
                ctx,
                metric_filter=_metric_filter(names.service, names.region, q.metric),
                start=start,
                end=end,
                aggregation={
                    "alignment_period": timedelta(seconds=60),
                    "per_series_aligner": q.aligner,
                    "cross_series_reducer": q.reducer,
                    "group_by_fields": list(q.group_by),
                },
                rollout=rollout,
            )
            for q in queries
        )
    )
    evidence = [
        e for q, series in zip(queries, answers, strict=True) for e in q.read(names.service, series)
    ]
    if not evidence:
        ctx.note(f"Cloud Monitoring: no metrics for {names.service} in the window")
    return evidence


async def collect_metric_detail(calls: CloudRunCalls, ctx: CollectContext) -> list[Evidence]:
    """Comprehensive metrics: per-revision error rates, startup latency, concurrency."""
    return await collect_metrics(calls, ctx, DETAIL)
