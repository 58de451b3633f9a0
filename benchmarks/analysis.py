"""Pattern-analysis throughput: Engine.analyze over 1k/100k/1M generated lines vs a `re` loop.

Usage: python benchmarks/analysis.py [--sizes 1000,100000,1000000] [--re-sample 5000]
One process, one thread (hyperscan scans on the calling thread). Prints one JSON line.
The per-pattern `re` loop is timed on the first --re-sample lines of each input and
extrapolated linearly to the full size (it would take minutes at 1M lines); the JSON
says so in `re_loop_extrapolated_from`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.engine import Engine  # noqa: E402
from analysis.matcher import ReferenceMatcher, regex_specs  # noqa: E402
from providers.model import Evidence  # noqa: E402

_ORDINARY = (
    '10.0.{a}.{b} - - [27/Nov/2026:10:{m:02d}:{s:02d} +0000] "GET /api/orders/{n} HTTP/1.1" 200 {n} "-" "okhttp/4.12"',  # noqa: E501 (realistic log lines)
    '{{"level":"info","ts":"2026-11-27T10:{m:02d}:{s:02d}Z","msg":"request completed","path":"/v1/items/{n}","status":200,"duration_ms":{a}}}',  # noqa: E501 (realistic log lines)
    "2026-11-27 10:{m:02d}:{s:02d}.{n:03d} INFO [http-nio-8080-exec-{a}] c.a.b.OrderController : fetched {n} orders for customer {b}",  # noqa: E501 (realistic log lines)
    'INFO:     10.1.{a}.{b}:5{n:04d} - "POST /graphql HTTP/1.1" 200 OK',
    "I1127 10:{m:02d}:{s:02d}.{n:06d}       1 controller.go:{a}] Reconciling deployment shop/orders-api generation {b}",  # noqa: E501 (realistic log lines)
    "HikariPool-1 - Pool stats (total=10, active={a}, idle={b}, waiting=0)",
    "[{m:02d}:{s:02d}] worker.{a}: job {n} done in {b}ms (queue=default)",
    'Normal   Pulled     {s}s   kubelet  Container image "registry.local/orders-api:2.{a}.{b}" already present on machine',  # noqa: E501 (realistic log lines)
    "kafka consumer orders-events partition {a} lag {b} offset {n}",
    "WARN  cache miss ratio {a}.{b}% above target for key prefix user:{n}",
)
_FAILURES = (
    "Error: connect ECONNREFUSED 10.0.{a}.{b}:5432",
    "Warning  BackOff  {s}s (x{a} over 5m)  kubelet  Back-off restarting failed container app in pod api-{n}",  # noqa: E501 (realistic log lines)
    "java.lang.OutOfMemoryError: Java heap space",
    "Traceback (most recent call last):",
    "Readiness probe failed: HTTP probe failed with statuscode: 503",
    "dial tcp: lookup payments.internal on 10.96.0.10:53: no such host",
    "[CRITICAL] WORKER TIMEOUT (pid:{n})",
    "x509: certificate signed by unknown authority",
)
FAILURE_RATE = 0.01  # realistic: most lines are ordinary traffic


def generate(count: int, seed: int = 1) -> list[Evidence]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 27, 10, tzinfo=UTC)
    out: list[Evidence] = []
    for i in range(count):
        pool = _FAILURES if rng.random() < FAILURE_RATE else _ORDINARY
        text = rng.choice(pool).format(
            a=rng.randrange(256),
            b=rng.randrange(256),
            n=rng.randrange(100000),
            m=rng.randrange(60),
            s=rng.randrange(60),
        )
        out.append(Evidence("log", "bench", text, start + timedelta(milliseconds=i)))
    return out


def time_engine(engine: Engine, evidence: list[Evidence], repeat: int) -> float:
    """Median wall seconds of Engine.analyze over `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        engine.analyze(evidence, platform="kubernetes")
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def time_re_loop(reference: ReferenceMatcher, lines: list[str]) -> float:
    started = time.perf_counter()
    reference.scan(lines)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--re-sample", type=int, default=5000)
    args = parser.parse_args()
    engine = Engine.load()
    reference = ReferenceMatcher(regex_specs(engine.library))
    figures: dict[str, object] = {
        "backend": engine.matcher.backend,
        "patterns": len(engine.library.patterns),
        "regexes": len(regex_specs(engine.library)),
        "failure_line_rate": FAILURE_RATE,
        "re_loop_extrapolated_from": args.re_sample,
    }
    for size in (int(s) for s in args.sizes.split(",")):
        evidence = generate(size)
        repeat = 50 if size <= 10_000 else (5 if size <= 100_000 else 3)
        engine.analyze(evidence[:1000])  # warm the scratch space and caches
        seconds = time_engine(engine, evidence, repeat)
        sample = [e.text for e in evidence[: min(size, args.re_sample)]]
        re_seconds = time_re_loop(reference, sample) * size / len(sample)
        figures[f"lines_{size}"] = {
            "analyze_ms": round(seconds * 1000, 3),
            "lines_per_s": round(size / seconds),
            "re_loop_ms": round(re_seconds * 1000, 1),
            "speedup_vs_re_loop": round(re_seconds / seconds, 1),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
