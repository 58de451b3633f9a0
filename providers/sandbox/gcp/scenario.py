"""Cloud Run sandbox scenarios: YAML in the APIs' JSON shapes, expanded into API messages."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from google.cloud import run_v2
from google.cloud.logging_v2.types import LogEntry
from google.cloud.monitoring_v3.types import TimeSeries

PROJECT = "acme-sandbox"
REGION = "us-central1"
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "gcp"
_RELATIVE = re.compile(r"@now(?:-((?:\d+[smhd])+))?")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_WORDS = ("boots", "usb-c hub", "tent", "desk lamp", "headphones", "kettle", "rain jacket")
_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
_INT_METRICS = {"request_count": "DELTA", "container/instance_count": "GAUGE"}


@dataclass
class CloudRunScenario:
    """One failing service: its API objects, its log entries and its metric series."""

    service: run_v2.Service
    revisions: list[run_v2.Revision]
    entries: list[tuple[datetime, str, LogEntry]]  # newest first: (time, revision, entry)
    series: dict[str, list[tuple[dict[str, Any], list[tuple[datetime, dict[str, Any]]]]]]

    def entries_matching(self, query: str) -> list[LogEntry]:
        """Entries the Logging filter selects (timestamp>= and revision_name are honoured)."""
        since = _quoted(query, r"timestamp\s*>=?")
        revision = _quoted(query, r"resource\.labels\.revision_name\s*=")
        start = datetime.fromisoformat(since) if since else None
        return [
            entry
            for at, rev, entry in self.entries
            if (start is None or at >= start) and (revision is None or rev == revision)
        ]

    def series_matching(self, metric_type: str, start: datetime, end: datetime) -> list[Any]:
        """The metric's series with the points inside [start, end], newest first."""
        out = []
        for header, points in self.series.get(metric_type.removeprefix("run.googleapis.com/"), []):
            inside = [p for at, p in points if start <= at <= end]
            if inside:
                out.append(TimeSeries.from_json(json.dumps({**header, "points": inside})))
        return out


class ScenarioSet:
    """The scenarios of one sandbox start, each built on first use (building one takes ~0.1 s)."""

    def __init__(self, now: datetime, directory: Path = SCENARIO_DIR) -> None:
        self.now = now
        self.files = {path.stem: path for path in sorted(directory.glob("*.yml"))}
        self._built: dict[str, CloudRunScenario] = {}

    def add(self, path: Path) -> None:
        """Serve one more scenario file (named after its service), e.g. a test's own."""
        self.files[path.stem] = path
        self._built.pop(path.stem, None)

    def get(self, service: str) -> CloudRunScenario | None:
        """The scenario of `service`, or None when the sandbox has no such service."""
        scenario = self._built.get(service)
        if scenario is None and service in self.files:
            scenario = self._built[service] = build_scenario(self.files[service], self.now)
        return scenario


def build_scenario(path: Path, now: datetime) -> CloudRunScenario:
    """One scenario file expanded into API messages, with times set from `now`."""
    spec = _resolve(yaml.safe_load(path.read_text()), now)
    service = run_v2.Service.from_json(json.dumps(spec["service"]))
    revisions = [run_v2.Revision.from_json(json.dumps(r)) for r in spec["revisions"]]
    revisions.sort(key=lambda r: r.create_time, reverse=True)
    rng = random.Random(path.stem)
    raw = [entry for line in spec.get("logs", []) for entry in _log_lines(line, spec, rng)]
    raw.sort(key=lambda e: datetime.fromisoformat(e["timestamp"]), reverse=True)
    entries = [
        (
            datetime.fromisoformat(e["timestamp"]),
            e["resource"]["labels"]["revision_name"],
            LogEntry.from_json(json.dumps(e)),
        )
        for e in raw
    ]
    series = {
        metric: [_series(metric, one, spec["service"]["name"], rng) for one in specs]
        for metric, specs in (spec.get("metrics") or {}).items()
    }
    return CloudRunScenario(service, revisions, entries, series)


def _resolve(value: Any, now: datetime) -> Any:
    """Replace "@now-25m"-style strings with RFC 3339 times."""
    if isinstance(value, dict):
        return {k: _resolve(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, now) for v in value]
    if isinstance(value, str) and (match := _RELATIVE.fullmatch(value)):
        offset = sum(
            int(n) * _UNIT[u] for n, u in re.findall(r"(\d+)([smhd])", match.group(1) or "")
        )
        return _rfc3339(now - timedelta(seconds=offset))
    return value


def _rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _times(line: dict[str, Any]) -> list[datetime]:
    if "at" in line:
        return [datetime.fromisoformat(line["at"])]
    start, end = datetime.fromisoformat(line["from"]), datetime.fromisoformat(line["to"])
    step = timedelta(seconds=float(line["every"]))
    count = int((end - start) / step)
    return [start + step * i for i in range(count + 1)]


def _fill(template: Any, rng: random.Random) -> Any:
    """Placeholders that make generated lines differ like real ones do."""
    if isinstance(template, dict):
        return {k: _fill(v, rng) for k, v in template.items()}
    if not isinstance(template, str) or "{" not in template:
        return template
    return template.format(
        word=rng.choice(_WORDS),
        n=rng.randint(1, 9999),
        ms=rng.randint(3, 450),
        ratio=f"{rng.uniform(0.7, 0.95):.2f}",
        slow=rng.randint(295_000, 299_900),
        id=f"{rng.getrandbits(32):08x}",
    )


def _log_lines(
    line: dict[str, Any], spec: dict[str, Any], rng: random.Random
) -> list[dict[str, Any]]:
    service = spec["service"]
    out = []
    for index, planned in enumerate(_times(line)):
        # A little jitter, so lines from different generators interleave like real ones.
        at = planned + timedelta(milliseconds=rng.randint(0, 900))
        entry: dict[str, Any] = {
            "insertId": f"{rng.getrandbits(48):012x}",
            "timestamp": _rfc3339(at),
            "receiveTimestamp": _rfc3339(at + timedelta(milliseconds=rng.randint(20, 400))),
            "severity": line.get("severity", "INFO"),
            "resource": {
                "type": "cloud_run_revision",
                "labels": {
                    "project_id": PROJECT,
                    "location": REGION,
                    "service_name": service["name"].rsplit("/", 1)[-1],
                    "revision_name": line["revision"],
                    "configuration_name": service["name"].rsplit("/", 1)[-1],
                },
            },
            "labels": {"instanceId": f"0069c7a988{rng.getrandbits(40):010x}"},
        }
        log = line.get("log", "requests")
        entry["logName"] = f"projects/{PROJECT}/logs/run.googleapis.com%2F{log.replace('/', '%2F')}"
        if "http" in line:
            entry["httpRequest"] = _http(line["http"], service, index, rng)
        if "text" in line:
            entry["textPayload"] = _fill(line["text"], rng)
        if "json" in line:
            entry["jsonPayload"] = _fill(line["json"], rng)
        out.append(entry)
    return out


def _http(
    spec: dict[str, Any], service: dict[str, Any], index: int, rng: random.Random
) -> dict[str, Any]:
    paths = spec["paths"]
    low, high = spec["latency"]
    path = _fill(paths[index % len(paths)], rng)
    return {
        "requestMethod": spec.get("method", "GET"),
        "requestUrl": f"{service['uri']}{path}",
        "status": spec["status"],
        "responseSize": str(rng.randint(120, 48_000)),
        "userAgent": _USER_AGENT,
        "remoteIp": f"203.0.113.{rng.randint(1, 254)}",
        "serverIp": "216.239.32.53",
        "latency": f"{rng.uniform(low, high):.6f}s",
        "protocol": "HTTP/1.1",
    }


def _series(
    metric: str, spec: dict[str, Any], service_path: str, rng: random.Random
) -> tuple[dict[str, Any], list[tuple[datetime, dict[str, Any]]]]:
    labels = dict(spec["labels"])
    revision = labels.pop("revision_name")
    service = service_path.rsplit("/", 1)[-1]
    header = {
        "metric": {"type": f"run.googleapis.com/{metric}", "labels": labels},
        "resource": {
            "type": "cloud_run_revision",
            "labels": {
                "project_id": PROJECT,
                "location": REGION,
                "service_name": service,
                "revision_name": revision,
                "configuration_name": service,
            },
        },
        "metricKind": _INT_METRICS.get(metric, "GAUGE"),
        "valueType": "INT64" if metric in _INT_METRICS else "DOUBLE",
    }
    start = datetime.fromisoformat(spec["from"]).replace(second=0)
    end = datetime.fromisoformat(spec["to"])
    points = []
    at = start
    while at <= end:
        # Jitter only downwards: the YAML value is the peak (a timeout caps latency).
        value = float(spec["value"]) * rng.uniform(0.9, 1.0)
        typed = (
            {"int64Value": str(round(value))} if metric in _INT_METRICS else {"doubleValue": value}
        )
        interval = {"startTime": _rfc3339(at - timedelta(minutes=1)), "endTime": _rfc3339(at)}
        points.append((at, {"interval": interval, "value": typed}))
        at += timedelta(minutes=1)
    points.reverse()
    return header, points


def _quoted(query: str, key: str) -> str | None:
    match = re.search(key + r'\s*"([^"]*)"', query)
    return match.group(1) if match else None
