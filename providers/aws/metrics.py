"""Basic service metrics: CPUUtilization and MemoryUtilization from CloudWatch (AWS/ECS)."""

from __future__ import annotations

from providers.aws.api import EcsApi, Obj
from providers.aws.ecs import context
from providers.base import CollectContext
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

# metric name -> (query id stem, attribute stem)
_METRICS = {"CPUUtilization": ("cpu", "cpu"), "MemoryUtilization": ("mem", "memory")}
_STATS = {"Maximum": "max", "Average": "avg"}
_PERIOD_S = 60


def queries(cluster: str, service: str) -> list[Obj]:
    """MetricStat queries: max and average of both metrics, one-minute points."""
    dimensions = [
        {"Name": "ClusterName", "Value": cluster},
        {"Name": "ServiceName", "Value": service},
    ]
    return [
        {
            "Id": f"{stem}_{short}",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/ECS", "MetricName": metric, "Dimensions": dimensions},
                "Period": _PERIOD_S,
                "Stat": stat,
                "Unit": "Percent",
            },
            "ReturnData": True,
        }
        for metric, (stem, _) in _METRICS.items()
        for stat, short in _STATS.items()
    ]


async def collect_metrics(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """One metric evidence per metric, with its max and average over the window."""
    _, rollout = await context(api, ctx)
    results = await api.metric_data(
        ctx, queries(api.location.cluster, api.location.service), rollout
    )
    by_id = {str(r.get("Id")): r for r in results}
    evidence: list[Evidence] = []
    for metric, (stem, attr) in _METRICS.items():
        peak = by_id.get(f"{stem}_max", {})
        mean = by_id.get(f"{stem}_avg", {})
        values = [float(v) for v in peak.get("Values", [])]
        if not values:
            ctx.note(f"no {metric} datapoints in the window")
            continue
        averages = [float(v) for v in mean.get("Values", [])]
        average = sum(averages) / len(averages) if averages else sum(values) / len(values)
        times = peak.get("Timestamps", [])
        at = times[values.index(max(values))] if len(times) == len(values) else None
        attributes: dict[str, AttributeValue] = {
            "metric": metric,
            f"{attr}_pct": round(max(values), 1),
            f"{attr}_avg_pct": round(average, 1),
            "points": len(values),
        }
        evidence.append(
            Evidence(
                "metric",
                f"cloudwatch:AWS/ECS/{metric}",
                f"{metric} for service {api.location.service} (cluster {api.location.cluster}): "
                f"max {max(values):.1f} %, average {average:.1f} % "
                f"over {len(values)} one-minute points",
                parse_time(at),
                attributes,
            )
        )
    return evidence
