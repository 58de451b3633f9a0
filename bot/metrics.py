"""Prometheus metrics (default registry) for the seed's KPIs, and `/metrics`, `/healthz`, `/readyz`.

Series (all prefixed `deploy_feedback_`):
  collection_seconds{depth}, analysis_seconds, report_seconds   histograms
  diagnostics_total{outcome}            ok | partial | failed | timeout
  component_results_total{status}       ok | cached | error | timeout | skipped
  cache_lookups_total{provider,level}   watch | l1 | l2 | shared | miss
  provider_requests_total{provider,endpoint,outcome}, provider_request_seconds{provider}
  throttled_total{provider,result}      waited | deferred (our own limiter)
  breaker_state{endpoint}               0 closed, 1 half-open, 2 open
  redis_up, sessions_running, queue_depth, l1_cache_bytes
  feedback_total{verdict}, pattern_match_failures_total{category}
  kpi_*                                 roll-ups refreshed by the scheduler each minute
Process memory and CPU come from prometheus-client's own process_* series.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, Histogram, generate_latest
from prometheus_client import Counter as PromCounter

from analysis.model import Diagnosis
from providers.resilience.breaker import STATE_VALUES, State
from providers.resilience.observer import CacheLevel

_P = "deploy_feedback_"
_SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)

COLLECTION = Histogram(
    _P + "collection_seconds", "Evidence collection time", ["depth"], buckets=_SECONDS
)
ANALYSIS = Histogram(_P + "analysis_seconds", "Pattern analysis time", buckets=_SECONDS)
REPORT = Histogram(_P + "report_seconds", "Request to posted report", buckets=_SECONDS)
DIAGNOSTICS = PromCounter(_P + "diagnostics", "Diagnoses by outcome", ["outcome"])
COMPONENTS = PromCounter(_P + "component_results", "Component results by status", ["status"])
CACHE = PromCounter(
    _P + "cache_lookups", "Provider-call lookups by the level that answered", ["provider", "level"]
)
PROVIDER_REQUESTS = PromCounter(
    _P + "provider_requests",
    "Requests that reached a platform",
    ["provider", "endpoint", "outcome"],
)
PROVIDER_SECONDS = Histogram(_P + "provider_request_seconds", "Platform request time", ["provider"])
THROTTLED = PromCounter(
    _P + "throttled", "Calls our limiter delayed or deferred", ["provider", "result"]
)
BREAKER = Gauge(
    _P + "breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open", ["endpoint"]
)
REDIS_UP = Gauge(_P + "redis_up", "1 while the shared Redis answers")
SESSIONS = Gauge(_P + "sessions_running", "Diagnoses running now")
QUEUE = Gauge(_P + "queue_depth", "Diagnoses waiting for a slot")
L1_BYTES = Gauge(_P + "l1_cache_bytes", "Bytes held by the in-process cache")
FEEDBACK = PromCounter(_P + "feedback", "Feedback on reports", ["verdict"])
MATCH_FAILURES = PromCounter(
    _P + "pattern_match_failures", "Reports people said named the wrong cause", ["category"]
)
KPI = Gauge(_P + "kpi", "Roll-ups over the last interval", ["name"])


@dataclass
class Tally:
    """Plain counts behind the roll-ups (Prometheus counters are not meant to be read back)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] += n


TALLY = Tally()


class PrometheusObserver:
    """The resilience layer's events as Prometheus series."""

    def cache_lookup(self, provider: str, level: CacheLevel) -> None:
        CACHE.labels(provider, level).inc()
        TALLY.add("lookups")
        TALLY.add("misses" if level == "miss" else "hits")

    def provider_attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        provider = endpoint.split(":", 1)[0]
        PROVIDER_REQUESTS.labels(provider, endpoint, outcome).inc()
        PROVIDER_SECONDS.labels(provider).observe(seconds)
        TALLY.add("provider_requests")
        if outcome != "ok":
            TALLY.add("provider_errors")

    def throttled(self, provider: str, waited_s: float, deferred: bool) -> None:
        THROTTLED.labels(provider, "deferred" if deferred else "waited").inc()

    def breaker_state(self, endpoint: str, state: State) -> None:
        BREAKER.labels(endpoint).set(STATE_VALUES[state])

    def redis_state(self, up: bool) -> None:
        REDIS_UP.set(1 if up else 0)


def outcome_of(diagnosis: Diagnosis) -> str:
    """ok: every component answered; partial: some did; failed/timeout: none did."""
    statuses = [c.status for c in diagnosis.components]
    answered = sum(s in ("ok", "cached", "skipped") for s in statuses)
    if answered == len(statuses):
        return "ok"
    if answered:
        return "partial"
    return "timeout" if all(s == "timeout" for s in statuses) else "failed"


def record_diagnosis(diagnosis: Diagnosis) -> None:
    """Count one finished diagnosis and its collection/analysis times."""
    outcome = outcome_of(diagnosis)
    DIAGNOSTICS.labels(outcome).inc()
    TALLY.add("diagnoses")
    TALLY.add(f"diagnoses_{outcome}")
    COLLECTION.labels(diagnosis.request.depth).observe(
        diagnosis.timings.get("collect_ms", 0) / 1000
    )
    ANALYSIS.observe(diagnosis.timings.get("analyze_ms", 0) / 1000)
    for component in diagnosis.components:
        COMPONENTS.labels(component.status).inc()
        TALLY.add("components")
        if component.status == "timeout":
            TALLY.add("component_timeouts")


def record_failed_diagnosis() -> None:
    """A diagnosis that produced no report at all (it raised)."""
    DIAGNOSTICS.labels("failed").inc()
    TALLY.add("diagnoses")
    TALLY.add("diagnoses_failed")


def observe_report_seconds(seconds: float) -> None:
    """Time from the request to the posted report (the Slack code measures it)."""
    REPORT.observe(seconds)


def record_feedback(*, helpful: bool, category: str | None = None) -> None:
    """A person's verdict on a report; "not helpful" counts as a pattern-match failure."""
    FEEDBACK.labels("helpful" if helpful else "not_helpful").inc()
    TALLY.add("feedback")
    if not helpful:
        MATCH_FAILURES.labels(category or "none").inc()
        TALLY.add("match_failures")


@contextmanager
def session() -> Iterator[None]:
    """Count a diagnosis as running for the body."""
    SESSIONS.inc()
    try:
        yield
    finally:
        SESSIONS.dec()


def set_queue_depth(depth: int) -> None:
    """Diagnoses waiting for an admission slot."""
    QUEUE.set(depth)


def set_l1_bytes(size: int) -> None:
    """Bytes held by the in-process cache."""
    L1_BYTES.set(size)


class KpiRollup:
    """Turns the tallies since the previous roll-up into the seed's KPI ratios."""

    def __init__(self, tally: Tally = TALLY) -> None:
        self._tally = tally
        self._last: Counter[str] = Counter(tally.counts)

    def roll_up(self, interval_s: float) -> dict[str, float]:
        """The KPIs over the last interval; also exported as deploy_feedback_kpi{name}."""
        now = Counter(self._tally.counts)
        d = {k: now[k] - self._last[k] for k in now}
        self._last = now
        kpis = {
            "diagnostics_per_minute": d.get("diagnoses", 0) * 60 / max(interval_s, 1e-9),
            "cache_hit_ratio": _ratio(d.get("hits", 0), d.get("lookups", 0)),
            "success_ratio": _ratio(d.get("diagnoses_ok", 0), d.get("diagnoses", 0)),
            "provider_error_ratio": _ratio(
                d.get("provider_errors", 0), d.get("provider_requests", 0)
            ),
            "timeout_ratio": _ratio(d.get("component_timeouts", 0), d.get("components", 0)),
            "pattern_match_failure_ratio": _ratio(d.get("match_failures", 0), d.get("feedback", 0)),
        }
        for name, value in kpis.items():
            KPI.labels(name).set(value)
        return kpis


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


async def metrics_view(_request: web.Request) -> web.Response:
    """`GET /metrics` in Prometheus text format."""
    response = web.Response(body=generate_latest())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def add_routes(app: web.Application, *, ready: Callable[[], bool]) -> None:
    """Mount `/metrics`, `/healthz` (process alive) and `/readyz` (`ready()` says it can serve)."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        ok = ready()
        return web.json_response({"ready": ok}, status=200 if ok else 503)

    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
