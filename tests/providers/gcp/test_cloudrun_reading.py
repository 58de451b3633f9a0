"""Reading API answers: conditions, quantities, probes and log lines as a person reads them."""

from __future__ import annotations

from google.cloud.logging_v2.types import LogEntry
from google.protobuf.duration_pb2 import Duration

from providers.gcp.entries import entry_text, entry_to_json
from providers.gcp.spec import (
    condition_line,
    condition_reason,
    env_and_secrets,
    probe_text,
    quantity_bytes,
    revision_profile,
    seconds,
)


class TestConditions:
    """A condition's reason is a oneof: common, revision or execution reason."""

    def test_revision_reason_is_read_when_reason_is_unset(self) -> None:
        condition = {
            "type_": "Ready",
            "state": "CONDITION_FAILED",
            "revision_reason": "HEALTH_CHECK_CONTAINER_ERROR",
            "message": "boom",
        }
        assert condition_reason(condition) == "HEALTH_CHECK_CONTAINER_ERROR"
        assert condition_line("Revision r", condition) == (
            "Revision r: Ready=False (HEALTH_CHECK_CONTAINER_ERROR): boom"
        )

    def test_undefined_reasons_are_no_reason(self) -> None:
        condition = {
            "type_": "Ready",
            "state": "CONDITION_SUCCEEDED",
            "reason": "COMMON_REASON_UNDEFINED",
        }
        assert condition_line("Service s", condition) == "Service s: Ready=True"


class TestQuantities:
    def test_memory_quantities(self) -> None:
        assert quantity_bytes("512Mi") == 512 * 2**20
        assert quantity_bytes("1Gi") == 2**30
        assert quantity_bytes("2G") == 2 * 10**9
        assert quantity_bytes("lots") is None
        assert quantity_bytes("1.2.3Gi") is None  # malformed: no quantity, not a crash

    def test_durations(self) -> None:
        assert seconds("300s") == 300.0
        assert seconds("0.5s") == 0.5
        assert seconds("5m") is None


class TestContainerSpec:
    """Env vars and secrets appear by name; values never do."""

    container = {
        "env": [
            {"name": "DB_HOST", "value": "10.0.0.9"},
            {
                "name": "DB_PASSWORD",
                "value_source": {"secret_key_ref": {"secret": "db-pass", "version": "3"}},
            },
        ],
        "startup_probe": {"http_get": {"path": "/ready", "port": 8080}, "period_seconds": 5},
    }

    def test_env_names_and_secret_references_only(self) -> None:
        plain, secrets = env_and_secrets(self.container)
        assert plain == ["DB_HOST"]
        assert secrets == ["DB_PASSWORD (secret db-pass version 3)"]
        assert "10.0.0.9" not in repr(revision_profile({"containers": [self.container]}))

    def test_probe_in_one_phrase(self) -> None:
        assert probe_text(self.container["startup_probe"]).startswith("HTTP GET /ready port 8080")
        assert probe_text(None) == "default TCP startup probe"


class TestLogLines:
    """Request logs read like access logs; payloads give their message."""

    def test_request_log_with_cloud_runs_explanation(self) -> None:
        entry = LogEntry(
            log_name="projects/p/logs/run.googleapis.com%2Frequests",
            text_payload=(
                "The request has been terminated because it has reached the maximum request "
                "timeout."
            ),
            http_request={
                "request_method": "GET",
                "request_url": "https://x.a.run.app/search?q=secret-token",
                "status": 504,
                "latency": Duration(seconds=300, nanos=1000),
            },
        )
        data = entry_to_json(entry)
        assert data["log"] == "run.googleapis.com/requests"
        assert entry_text(data) == (
            "GET /search 504 latency=300.0s: The request has been terminated because it has "
            "reached the maximum request timeout."
        )
        assert "secret-token" not in repr(data)  # query strings are dropped

    def test_fast_requests_keep_milliseconds(self) -> None:
        data = {"http": {"method": "GET", "path": "/", "status": 200, "latency_s": 0.0123}}
        assert entry_text(data) == "GET / 200 latency=0.012s"

    def test_json_payload_message(self) -> None:
        entry = LogEntry(json_payload={"message": "Server listening on :3000", "level": "info"})
        assert entry_text(entry_to_json(entry)) == "Server listening on :3000"

    def test_json_payload_without_message_is_compact_json(self) -> None:
        entry = LogEntry(json_payload={"event": "cache-miss"})
        assert entry_text(entry_to_json(entry)) == '{"event": "cache-miss"}'
