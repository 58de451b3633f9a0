"""What the sandbox's ECS tasks "emitted": awslogs streams and AWS/ECS utilisation metrics."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

Spec = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Stream:
    """One task's log stream: its task id and, for a stopped task, when it stopped."""

    task_id: str
    stopped_at: datetime | None


def write_logs(
    logs: Any,
    *,
    service: str,
    spec: Spec,
    streams: list[Stream],
    now: datetime,
    rng: random.Random,
    fill: dict[str, str],
) -> None:
    """One awslogs stream per task ('ecs/<container>/<task id>'), ending when the task did."""
    group = f"/ecs/{service}"
    logs.create_log_group(logGroupName=group)
    for stream in streams:
        name = f"ecs/{service}/{stream.task_id}"
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        stopped = stream.stopped_at is not None
        end = stream.stopped_at or now - timedelta(seconds=5)
        lines = log_lines(spec, rng, fill, final=stopped)
        start = end - timedelta(minutes=4 if stopped else 1.5)
        step = (end - start) / len(lines)
        events = [
            {"timestamp": int((start + step * i).timestamp() * 1000), "message": line}
            for i, line in enumerate(lines)
        ]
        logs.put_log_events(logGroupName=group, logStreamName=name, logEvents=events)


def log_lines(spec: Spec, rng: random.Random, fill: dict[str, str], *, final: bool) -> list[str]:
    """Startup lines, hundreds of ordinary ones with the telling ones among them, last words."""
    total = int(spec["lines_per_task"])
    periodic = spec.get("periodic") or {}
    rising = spec.get("rising")
    out = [line.format_map({**fill, "n": rng.randint(7, 99)}) for line in spec["startup"]]
    while len(out) < total:
        i = len(out)
        values = {
            **fill,
            "n": rng.randint(1, 999),
            "ms": rng.randint(3, 480),
            "id": f"{rng.getrandbits(32):08x}",
            "mib": int(180 + 320 * i / total),
        }
        if rising and i % 12 == 0:
            out.append(rising.format_map(values))
        elif periodic and i % int(periodic["every"]) == 0:
            out.append(rng.choice(periodic["lines"]).format_map(values))
        else:
            out.append(rng.choice(spec["ordinary"]).format_map(values))
    if final:
        out += [line.format_map({**fill, "n": rng.randint(7, 99)}) for line in spec["final"]]
    return out


def write_metrics(
    cloudwatch: Any,
    *,
    cluster: str,
    service: str,
    ramps: Spec,
    now: datetime,
    rng: random.Random,
) -> None:
    """30 one-minute points per metric along the scenario's ramp (two samples: max, lower)."""
    dimensions = [
        {"Name": "ClusterName", "Value": cluster},
        {"Name": "ServiceName", "Value": service},
    ]
    data = []
    for metric, key in (("CPUUtilization", "cpu"), ("MemoryUtilization", "memory")):
        ramp = ramps[key]
        for minute in range(30 if ramp else 0):
            value = ramp[0] + (ramp[1] - ramp[0]) * minute / 29
            at = now - timedelta(minutes=30 - minute)
            for sample in (value, value * rng.uniform(0.8, 0.95)):
                data.append(
                    {
                        "MetricName": metric,
                        "Dimensions": dimensions,
                        "Timestamp": at,
                        "Value": sample,
                        "Unit": "Percent",
                    }
                )
    for i in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace="AWS/ECS", MetricData=data[i : i + 500])
