"""ECS collection time with realistic per-call AWS latency, against the slowest dependent chain.

Starts the AWS sandbox (moto behind the fault proxy, loopback only), injects a fixed latency
per AWS operation, runs every ECS component through `analysis.pipeline.run_diagnosis` (no
cache), and compares collection time with the sum of the latencies along the longest chain of
dependent calls the provider makes. Prints one JSON line.

    .venv/bin/python benchmarks/ecs_latency.py [--runs 10] [--service checkout-api]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path

# Run as a script, benchmarks/ comes first on sys.path and benchmarks/analysis.py would
# shadow the analysis package: put the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.model import Analysis, DiagnosticRequest
from analysis.pipeline import run_diagnosis
from providers.aws import create
from providers.gateway import DirectGateway
from providers.model import Depth, EcsLocation, Evidence, ServiceTarget
from providers.sandbox.faults import Faults
from providers.sandbox.runtime import Sandbox

# Per-operation latency in seconds: typical us-east-1 figures seen from inside the region.
LATENCY_S = {
    "ecs:DescribeServices": 0.080,
    "ecs:ListTasks": 0.060,
    "ecs:DescribeTasks": 0.090,
    "ecs:DescribeTaskDefinition": 0.070,
    "logs:GetLogEvents": 0.120,
    "cloudwatch:GetMetricData": 0.150,
    "elasticloadbalancing:DescribeTargetGroups": 0.060,
    "elasticloadbalancing:DescribeTargetHealth": 0.070,
    "elasticloadbalancing:DescribeLoadBalancers": 0.060,
    "ec2:DescribeSubnets": 0.080,
    "ec2:DescribeSecurityGroups": 0.080,
    "ec2:DescribeRouteTables": 0.090,
    "ec2:DescribeVpcEndpoints": 0.100,
}

# The provider's call graph: operation -> the operations whose answers it needs first.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "ecs:DescribeServices": (),
    "ecs:ListTasks": ("ecs:DescribeServices",),
    "ecs:DescribeTasks": ("ecs:ListTasks",),
    "ecs:DescribeTaskDefinition": ("ecs:DescribeServices",),
    "logs:GetLogEvents": ("ecs:DescribeTasks", "ecs:DescribeTaskDefinition"),
    "cloudwatch:GetMetricData": ("ecs:DescribeServices",),
    "elasticloadbalancing:DescribeTargetGroups": ("ecs:DescribeServices",),
    "elasticloadbalancing:DescribeTargetHealth": ("elasticloadbalancing:DescribeTargetGroups",),
    "elasticloadbalancing:DescribeLoadBalancers": ("elasticloadbalancing:DescribeTargetGroups",),
    "ec2:DescribeSubnets": ("ecs:DescribeServices",),
    "ec2:DescribeSecurityGroups": ("ecs:DescribeServices",),
    "ec2:DescribeRouteTables": ("ec2:DescribeSubnets",),
    "ec2:DescribeVpcEndpoints": ("ec2:DescribeSubnets",),
}
BASIC_OPS = {
    "ecs:DescribeServices",
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "ecs:DescribeTaskDefinition",
    "logs:GetLogEvents",
    "cloudwatch:GetMetricData",
}


@cache
def finish_s(operation: str) -> float:
    """When `operation` can finish if everything runs as early as its inputs allow."""
    start = max((finish_s(dep) for dep in DEPENDS_ON[operation]), default=0.0)
    return start + LATENCY_S[operation]


def chain_s(depth: Depth) -> float:
    """The slowest chain of dependent calls at `depth`."""
    ops = BASIC_OPS if depth == "basic" else set(DEPENDS_ON)
    return max(finish_s(op) for op in ops)


class NoAnalysis:
    """Collection is measured here; the pattern engine has its own benchmark."""

    def analyze(self, evidence: Sequence[Evidence], **_: object) -> Analysis:
        return Analysis()


async def measure(service: str, runs: int) -> dict[str, object]:
    faults = Faults()
    async with await Sandbox.start(["ecs"], faults=faults) as sandbox:  # loopback only
        provider = create(sandbox.provider_settings())
        target = ServiceTarget(service, "ecs", EcsLocation("prod", service, "us-east-1"))
        try:
            await _once(provider, target, "comprehensive")  # warm clients and connections
            # With no injected latency, what is left is moto's and our own CPU time per run.
            floor = {
                depth: statistics.median([await _once(provider, target, depth) for _ in range(5)])
                for depth in ("basic", "comprehensive")
            }
            for operation, latency in LATENCY_S.items():
                faults.set("aws", operation, latency_s=latency)
            out: dict[str, object] = {"service": service, "runs": runs}
            for depth in ("basic", "comprehensive"):
                calls_before = faults.total_calls("aws")
                seen_before = dict(faults.calls)
                samples = [await _once(provider, target, depth) for _ in range(runs)]
                made = {
                    k.removeprefix("aws:")
                    for k, n in faults.calls.items()
                    if n > seen_before.get(k, 0)
                }
                declared = BASIC_OPS if depth == "basic" else set(DEPENDS_ON)
                if made != declared:  # the chain below is only right for the declared graph
                    raise SystemExit(f"call graph drifted: made {sorted(made ^ declared)}")
                chain = chain_s(depth)
                p50 = statistics.median(samples)
                p95 = sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]
                out[depth] = {
                    "chain_ms": round(chain * 1000, 1),
                    "p50_ms": round(p50 * 1000, 1),
                    "p95_ms": round(p95 * 1000, 1),
                    "ratio_p50": round(p50 / chain, 3),
                    "ratio_p95": round(p95 / chain, 3),
                    "target_ms": round((1.1 * chain + 0.05) * 1000, 1),
                    "meets_target_p50": p50 <= 1.1 * chain + 0.05,
                    "meets_target_p95": p95 <= 1.1 * chain + 0.05,
                    "aws_calls_per_run": (faults.total_calls("aws") - calls_before) / runs,
                    "no_latency_p50_ms": round(floor[depth] * 1000, 1),
                }
            return out
        finally:
            await provider.close()


async def _once(provider: object, target: ServiceTarget, depth: Depth) -> float:
    request = DiagnosticRequest(target, depth)
    started = time.perf_counter()
    diagnosis = await run_diagnosis(
        request,
        provider,  # type: ignore[arg-type]
        DirectGateway(),
        NoAnalysis(),
        budget_s=30,
    )
    elapsed = time.perf_counter() - started
    failed = [r.component for r in diagnosis.components if r.status not in ("ok", "skipped")]
    if failed:
        raise SystemExit(f"components failed: {failed}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--service", default="checkout-api")
    args = parser.parse_args()
    result = asyncio.run(measure(args.service, max(1, min(args.runs, 100))))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
