"""The `network` component: VPC connector / egress settings when logs show connection failures."""

from __future__ import annotations

import re

from providers.base import CollectContext
from providers.gcp.calls import CloudRunCalls
from providers.gcp.entries import entry_text
from providers.gcp.logs import fetch_entries
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

SOURCE = "cloudrun/network"
_FAILURE = re.compile(
    r"ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|connection refused|"
    r"connection reset|no route to host|i/o timeout|connect timeout|could not connect|"
    r"network is unreachable|name resolution|upstream connect error",
    re.IGNORECASE,
)
_PRIVATE_IP = re.compile(
    r"\b(10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2})\b"
)


async def collect_network(calls: CloudRunCalls, ctx: CollectContext) -> list[Evidence]:
    """Egress path of the serving template, checked against the connection failures logged."""
    service, _ = await calls.rollout(ctx)
    entries = await fetch_entries(calls, ctx, note_truncation=False)
    failures = [e for e in entries if _FAILURE.search(entry_text(e))]
    if not failures:
        return []
    sample = entry_text(failures[0])[:300]
    private_targets = sorted({ip for e in failures for ip in _PRIVATE_IP.findall(entry_text(e))})
    template = service.get("template") or {}
    vpc = template.get("vpc_access") or {}
    connector = str(vpc.get("connector", ""))
    interfaces = vpc.get("network_interfaces") or []
    egress = str(vpc.get("egress", "")) or "PRIVATE_RANGES_ONLY"
    if connector or interfaces:
        path = f"VPC connector {connector}" if connector else "Direct VPC egress"
        text = (
            f"Service {calls.names.service} egress: {path}, egress {egress}; "
            f"{len(failures)} log lines show connection failures, e.g. {sample!r}"
        )
    else:
        text = (
            f"Service {calls.names.service} has no VPC connector or Direct VPC egress: private "
            f"addresses are unreachable; {len(failures)} log lines show connection failures, "
            f"e.g. {sample!r}"
        )
    if private_targets:
        text += f"; private targets: {', '.join(private_targets[:5])}"
    attributes: dict[str, AttributeValue] = {
        "connection_failures": len(failures),
        "vpc_connector": connector,
        "vpc_egress": egress,
        "direct_vpc": bool(interfaces),
    }
    return [Evidence("network", SOURCE, text, parse_time(failures[0].get("timestamp")), attributes)]
