"""Container logs from CloudWatch Logs (awslogs driver), for the stopped and the running tasks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter

from providers.aws import names
from providers.aws.api import EcsApi, Obj
from providers.aws.ecs import gather_definition_and_tasks, task_id
from providers.base import CollectContext
from providers.errors import ProviderNotFound
from providers.model import Evidence

MAX_LINES = 1000
_STOPPED_TASKS = 5
_RUNNING_TASKS = 3
_MIN_PER_STREAM = 200
_HEAD_LINES = 50
_STAMP = attrgetter("timestamp")


@dataclass(frozen=True, slots=True)
class Stream:
    """One awslogs stream: group, name, and whose it is."""

    group: str
    region: str | None
    name: str
    task_id: str
    container: str
    task_status: str


def streams_for(definition: Obj, tasks: list[Obj], group_override: str | None) -> list[Stream]:
    """awslogs streams are '<prefix>/<container>/<task id>': newest stopped tasks, then running."""
    stopped = sorted(
        # A task that failed to start never ran a container, so it has no stream.
        (
            t
            for t in tasks
            if t.get("lastStatus") == "STOPPED" and t.get("stopCode") != "TaskFailedToStart"
        ),
        key=lambda t: str(t.get("stoppedAt") or ""),
        reverse=True,
    )[:_STOPPED_TASKS]
    running = [t for t in tasks if t.get("lastStatus") != "STOPPED"][:_RUNNING_TASKS]
    out: list[Stream] = []
    for container in definition.get("containerDefinitions", []):
        config = container.get("logConfiguration") or {}
        options = config.get("options") or {}
        prefix = options.get("awslogs-stream-prefix")
        group = group_override or options.get("awslogs-group")
        if config.get("logDriver") != "awslogs" or not prefix or not group:
            continue
        for task in stopped + running:
            tid = task_id(str(task.get("taskArn", "")))
            status = "stopped" if task in stopped else "running"
            name = f"{prefix}/{container.get('name')}/{tid}"
            region = options.get("awslogs-region")  # logs may live in another region
            out.append(Stream(str(group), region, name, tid, str(container.get("name")), status))
    return out


async def collect_logs(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """Up to 1,000 lines in the window, newest first, from every relevant stream concurrently.

    Each stream gives its newest lines; the newest failed task's stream also gives its first
    lines, where ports, versions and connection targets are announced.
    """
    _, definition, tasks, rollout = await gather_definition_and_tasks(api, ctx)
    streams = streams_for(definition, tasks, api.location.log_group)
    if not streams:
        ctx.note(
            "no container logs: no task started a container, or no awslogs driver with a prefix"
        )
        return []
    per_stream = max(_MIN_PER_STREAM, MAX_LINES // len(streams))
    reads = [_read(api, ctx, s, per_stream, rollout, from_head=False) for s in streams]
    reads.append(_read(api, ctx, streams[0], _HEAD_LINES, rollout, from_head=True))
    *tails, head = await asyncio.gather(*reads)
    missing = sum(1 for t in tails if t is None)
    if missing:
        ctx.note(f"{missing} of {len(streams)} log streams do not exist (tasks that never started)")
    head_lines = head or []
    seen = {(e.source, e.timestamp, e.text) for e in head_lines}
    rest = [e for t in tails for e in t or [] if (e.source, e.timestamp, e.text) not in seen]
    # Every line here has a timestamp (`_read` sets one); a reverse sort stays stable.
    rest.sort(key=_STAMP, reverse=True)
    room = max(0, MAX_LINES - len(head_lines))
    if len(rest) > room:
        ctx.note(f"kept the first and the newest of {len(rest) + len(head_lines)} log lines")
    return sorted(head_lines + rest[:room], key=_STAMP, reverse=True)


async def _read(
    api: EcsApi,
    ctx: CollectContext,
    stream: Stream,
    limit: int,
    rollout: str | None,
    *,
    from_head: bool,
) -> list[Evidence] | None:
    names.task_id(stream.task_id)
    try:
        events = await api.log_events(
            ctx,
            stream.group,
            stream.name,
            limit=limit,
            rollout=rollout,
            from_head=from_head,
            region=stream.region,
        )
    except ProviderNotFound:
        return None  # a task that died before its container started has no stream
    source = f"awslogs:{stream.group}/{stream.name}"
    attributes = {
        "task_id": stream.task_id,
        "container": stream.container,
        "task_status": stream.task_status,
        "log_stream": stream.name,
    }
    return [
        Evidence(
            "log",
            source,
            str(event.get("message", "")).rstrip("\n"),
            datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=UTC),
            attributes,
        )
        for event in events
    ]
