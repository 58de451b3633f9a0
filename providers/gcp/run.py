"""Cloud Run Admin components: service status, the failing revision, what changed."""

from __future__ import annotations

from datetime import datetime

from providers.base import CollectContext
from providers.errors import ProviderError
from providers.gateway import Json
from providers.gcp.calls import CloudRunCalls
from providers.gcp.spec import (
    condition_attributes,
    condition_line,
    env_and_secrets,
    is_failed,
    probe_text,
    quantity_bytes,
    revision_profile,
    seconds,
    short_name,
)
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

SOURCE = "cloudrun/run"
Facts = dict[str, AttributeValue]


async def collect_service(calls: CloudRunCalls, ctx: CollectContext) -> list[Evidence]:
    """Conditions, terminal condition, latest created vs ready revision, traffic split."""
    service, rollout = await calls.rollout(ctx)
    revision: Json = {}
    if rollout:
        try:
            revision = await calls.revision(ctx, rollout, rollout)
        except ProviderError as exc:
            # The service's own status matters more than when the rollout began.
            ctx.note(f"rollout start unknown: {exc}")
    started = parse_time(revision.get("create_time"))
    ready = short_name(str(service.get("latest_ready_revision", ""))) or "(none)"
    facts: Facts = {"revision": rollout, "latest_ready_revision": ready}
    if started is not None:
        facts["rollout_started"] = started.isoformat()
    owner = f"Service {calls.names.service}"
    if rollout == ready:
        summary = f"{owner}: latest revision {rollout} is ready and serving"
    else:
        summary = (
            f"{owner}: latest created revision {rollout} is not ready; latest ready is {ready}"
        )
    evidence = [
        Evidence("status", SOURCE, summary, started, {**facts, "rollout_ready": rollout == ready})
    ]
    terminal = service.get("terminal_condition")
    if terminal:
        evidence.append(_condition(f"{owner} terminal condition", terminal, facts))
    evidence.extend(_condition(owner, c, facts) for c in service.get("conditions") or [])
    split = [
        f"{t.get('percent', 0)}% -> {short_name(str(t.get('revision') or 'LATEST'))}"
        for t in service.get("traffic_statuses") or service.get("traffic") or []
    ]
    if split:
        evidence.append(
            Evidence("status", SOURCE, f"{owner} traffic: {', '.join(split)}", started, facts)
        )
    return evidence


async def collect_revision(calls: CloudRunCalls, ctx: CollectContext) -> list[Evidence]:
    """The failing revision's conditions and its container spec (env/secret NAMES only)."""
    _, rollout = await calls.rollout(ctx)
    if not rollout:
        ctx.note(f"Cloud Run service {calls.names.service} has no revision yet")
        return []
    revision = await calls.revision(ctx, rollout, rollout)
    when = parse_time(revision.get("create_time"))
    owner = f"Revision {rollout}"
    facts: Facts = {"revision": rollout}
    evidence = [
        _condition(owner, c, facts)
        for c in revision.get("conditions") or []
        if is_failed(c) or c.get("message")
    ]
    evidence.append(_revision_settings(owner, revision, when, facts))
    evidence.extend(
        _container(owner, c, revision, when, facts) for c in revision.get("containers") or []
    )
    return evidence


async def collect_revision_diff(calls: CloudRunCalls, ctx: CollectContext) -> list[Evidence]:
    """What changed between the last ready revision and the failing one."""
    service, rollout = await calls.rollout(ctx)
    revisions = await calls.revisions(ctx, rollout)
    by_name = {short_name(str(r.get("name", ""))): r for r in revisions}
    failing = by_name.get(rollout) or await calls.revision(ctx, rollout, rollout)
    baseline_name = _baseline(service, rollout, revisions)
    if baseline_name is None:
        ctx.note(f"No earlier ready revision of {calls.names.service} to compare {rollout} with")
        return []
    baseline = by_name.get(baseline_name) or await calls.revision(ctx, baseline_name, rollout)
    before, after = revision_profile(baseline), revision_profile(failing)
    when = parse_time(failing.get("create_time"))
    facts: Facts = {"revision": rollout, "baseline": baseline_name}
    evidence = []
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field, "") or "(none)", after.get(field, "") or "(none)"
        if old != new:
            text = f"Changed since {baseline_name} in {rollout}: {field} {old} -> {new}"
            changed: Facts = {**facts, "field": field, "before": old, "after": new}
            evidence.append(Evidence("event", SOURCE, text, when, changed))
    if not evidence:
        text = f"No settings changed between {baseline_name} and {rollout}"
        evidence.append(Evidence("event", SOURCE, text, when, facts))
    return evidence


def _baseline(service: Json, rollout: str, revisions: list[Json]) -> str | None:
    ready = short_name(str(service.get("latest_ready_revision", "")))
    if ready and ready != rollout:
        return ready
    # The rollout itself became ready: compare with the newest older revision that was ready.
    older = sorted(
        (r for r in revisions if short_name(str(r.get("name", ""))) != rollout),
        key=lambda r: str(r.get("create_time", "")),
        reverse=True,
    )
    for revision in older:
        if not any(is_failed(c) for c in revision.get("conditions") or []):
            return short_name(str(revision.get("name", "")))
    return None


def _condition(owner: str, condition: Json, facts: Facts) -> Evidence:
    return Evidence(
        "status",
        SOURCE,
        condition_line(owner, condition),
        parse_time(condition.get("last_transition_time")),
        {**facts, **condition_attributes(condition)},
    )


def _revision_settings(owner: str, revision: Json, when: datetime | None, facts: Facts) -> Evidence:
    vpc = revision.get("vpc_access") or {}
    account = str(revision.get("service_account", "")) or "(default compute service account)"
    parts = [
        f"request timeout {revision.get('timeout', '300s')}",
        f"service account {account}",
        f"max concurrency {revision.get('max_instance_request_concurrency', 80)}",
    ]
    if vpc:
        connector = vpc.get("connector", "(Direct VPC)")
        parts.append(f"VPC {connector} egress {vpc.get('egress', 'PRIVATE_RANGES_ONLY')}")
    attributes: Facts = {**facts, "service_account": account}
    timeout = seconds(revision.get("timeout", "300s"))
    if timeout is not None:
        attributes["timeout_s"] = timeout
    return Evidence("status", SOURCE, f"{owner}: {', '.join(parts)}", when, attributes)


def _container(
    owner: str, container: Json, revision: Json, when: datetime | None, facts: Facts
) -> Evidence:
    name = str(container.get("name") or "main")
    limits = (container.get("resources") or {}).get("limits") or {}
    memory, cpu = str(limits.get("memory", "512Mi")), str(limits.get("cpu", "1"))
    ports = [
        int(p["container_port"]) for p in container.get("ports") or [] if p.get("container_port")
    ]
    port = ports[0] if ports else 8080
    env_names, secrets = env_and_secrets(container)
    text = (
        f"{owner} container {name}: image {container.get('image', '?')}, "
        f"port {port} (PORT={port}), "
        f"limits memory={memory} cpu={cpu}, "
        f"startup probe {probe_text(container.get('startup_probe'))}, "
        f"env {', '.join(env_names) or '(none)'}, secrets {', '.join(secrets) or '(none)'}"
    )
    attributes: Facts = {
        **facts,
        "container": name,
        "image": str(container.get("image", "")),
        "container_port": port,
        "memory_limit": memory,
        "cpu_limit": cpu,
        "service_account": str(revision.get("service_account", "")),
    }
    memory_bytes = quantity_bytes(memory)
    if memory_bytes is not None:
        attributes["memory_limit_bytes"] = memory_bytes
    return Evidence("status", SOURCE, text, when, attributes)
