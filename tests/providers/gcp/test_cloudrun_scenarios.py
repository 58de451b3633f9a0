"""The Cloud Run provider over gRPC to the sandbox: each scenario's decisive evidence arrives."""

from __future__ import annotations

from datetime import datetime

from providers.sandbox.faults import Faults
from providers.sandbox.gcp import GcpEmulator
from tests.providers.gcp.harness import Collect, evidence, texts


def _has(lines: list[str], fragment: str) -> bool:
    return any(fragment in line for line in lines)


class TestSearchFrontendTimeout:
    """504s at the 300 s request timeout, and the slow downstream call behind them."""

    async def test_request_logs_show_504s_at_the_request_timeout(self, collect: Collect) -> None:
        logs = texts(await collect("search-frontend"), "logs")
        timeouts = [line for line in logs if line.startswith("GET /search 504 latency=300.0s")]
        assert len(timeouts) > 20
        assert "maximum request timeout" in timeouts[0]
        assert _has(logs, "slow downstream call: POST http://ranking-svc.internal:8080/v2/rank")
        assert _has(logs, "GET /suggest 200 latency=")

    async def test_revision_carries_the_configured_timeout(self, collect: Collect) -> None:
        revision = evidence(await collect("search-frontend"), "revision")
        settings = [e for e in revision if "timeout_s" in e.attributes]
        assert settings[0].attributes["timeout_s"] == 300.0
        assert "request timeout 300s" in settings[0].text

    async def test_status_names_the_rollout(self, collect: Collect) -> None:
        summary = evidence(await collect("search-frontend"), "service")[0]
        assert summary.attributes["revision"] == "search-frontend-00012-hx2"
        assert summary.attributes["rollout_ready"] is True
        started = datetime.fromisoformat(str(summary.attributes["rollout_started"]))
        assert summary.timestamp == started

    async def test_metrics_show_latency_at_the_timeout(self, collect: Collect) -> None:
        metrics = evidence(await collect("search-frontend"), "metrics")
        latency = [e for e in metrics if "latency_p99_ms" in e.attributes]
        assert 270_000 <= float(latency[0].attributes["latency_p99_ms"]) <= 300_000
        counts = [e for e in metrics if "requests_5xx" in e.attributes]
        assert int(counts[0].attributes["requests_5xx"]) > 0

    async def test_logs_are_read_over_two_pages_and_capped_at_1000(
        self, collect: Collect, faults: Faults
    ) -> None:
        notes: list[str] = []
        logs = evidence(await collect("search-frontend", notes=notes), "logs")
        assert len(logs) == 1000
        assert faults.calls["gcp:ListLogEntries"] == 2
        assert any("newest 1000" in note for note in notes)
        stamps = [e.timestamp for e in logs if e.timestamp is not None]
        assert stamps == sorted(stamps)


class TestProfileSvcPortBinding:
    """The container listens on 3000 while Cloud Run probes PORT=8080."""

    async def test_revision_condition_says_the_port_was_never_listened_on(
        self, collect: Collect
    ) -> None:
        revision = evidence(await collect("profile-svc"), "revision")
        ready = next(e for e in revision if e.attributes.get("condition") == "Ready")
        assert ready.attributes["reason"] == "HEALTH_CHECK_CONTAINER_ERROR"
        assert ready.attributes["state"] == "CONDITION_FAILED"
        assert (
            "failed to start and listen on the port defined provided by the PORT=8080 "
            "environment variable" in ready.text
        )

    async def test_container_spec_has_port_and_env_names_only(self, collect: Collect) -> None:
        revision = evidence(await collect("profile-svc"), "revision")
        container = next(e for e in revision if "container_port" in e.attributes)
        assert container.attributes["container_port"] == 8080
        assert "LISTEN_PORT" in container.text
        assert "3000" not in container.text  # the env VALUE stays out
        assert "startup probe TCP port 8080" in container.text

    async def test_logs_show_the_app_listening_on_3000(self, collect: Collect) -> None:
        logs = texts(await collect("profile-svc"), "logs")
        assert _has(logs, "Server listening on http://0.0.0.0:3000")
        assert _has(logs, "Default STARTUP TCP probe failed 1 time consecutively")

    async def test_service_is_stuck_on_the_previous_revision(self, collect: Collect) -> None:
        service = evidence(await collect("profile-svc"), "service")
        assert service[0].attributes["rollout_ready"] is False
        assert service[0].attributes["latest_ready_revision"] == "profile-svc-00007-q8d"
        assert any(e.text.endswith("traffic: 100% -> profile-svc-00007-q8d") for e in service)
        assert any(
            e.attributes.get("condition") == "ConfigurationsReady"
            and e.attributes.get("reason") == "REVISION_FAILED"
            for e in service
        )


class TestMediaResizerOom:
    """The 512 MiB limit is exceeded while processing large images."""

    async def test_system_logs_report_the_memory_limit(self, collect: Collect) -> None:
        logs = evidence(await collect("media-resizer"), "logs")
        oom = [e for e in logs if "Memory limit of 512 MiB exceeded with 530 MiB used" in e.text]
        assert len(oom) >= 10
        assert oom[0].attributes["log"] == "run.googleapis.com/varlog/system"
        assert oom[0].attributes["severity"] == "ERROR"
        assert any("processing gs://acme-media-uploads/raw/SCAN_" in e.text for e in logs)

    async def test_memory_metric_is_at_the_limit(self, collect: Collect) -> None:
        metrics = evidence(await collect("media-resizer"), "metrics")
        memory = next(e for e in metrics if "memory_pct" in e.attributes)
        assert float(memory.attributes["memory_pct"]) >= 89.0

    async def test_diff_shows_the_halved_memory_limit(self, collect: Collect) -> None:
        diff = evidence(await collect("media-resizer", "comprehensive"), "revision_diff")
        memory = next(e for e in diff if str(e.attributes["field"]).endswith("memory limit"))
        assert (memory.attributes["before"], memory.attributes["after"]) == ("1Gi", "512Mi")
        assert memory.attributes["baseline"] == "media-resizer-00006-b7k"


class TestAccountsApiPermissionDenied:
    """The new service account may not read a Secret Manager secret; the revision never starts."""

    async def test_revision_condition_names_secret_account_and_role(self, collect: Collect) -> None:
        revision = evidence(await collect("accounts-api"), "revision")
        ready = next(e for e in revision if e.attributes.get("condition") == "Ready")
        assert ready.attributes["reason"] == "SECRETS_ACCESS_CHECK_FAILED"
        assert "Permission denied on secret: projects/123456789012/secrets/" in ready.text
        assert "accounts-api@acme-sandbox.iam.gserviceaccount.com" in ready.text
        assert "roles/secretmanager.secretAccessor" in ready.text

    async def test_secrets_and_env_appear_by_name_only(self, collect: Collect) -> None:
        outcomes = await collect("accounts-api", "comprehensive")
        container = next(e for e in evidence(outcomes, "revision") if "image" in e.attributes)
        assert "DB_PASSWORD (secret accounts-db-password version latest)" in container.text
        everything = " ".join(
            e.text + repr(dict(e.attributes))
            for name in ("service", "revision", "revision_diff")
            for e in evidence(outcomes, name)
        )
        assert "10.20.0.5" not in everything  # DB_HOST's value

    async def test_diff_shows_the_new_service_account(self, collect: Collect) -> None:
        diff = evidence(await collect("accounts-api", "comprehensive"), "revision_diff")
        account = next(e for e in diff if e.attributes["field"] == "service account")
        assert account.attributes["after"] == "accounts-api@acme-sandbox.iam.gserviceaccount.com"
        assert str(account.attributes["before"]).endswith("-compute@developer.gserviceaccount.com")


class TestCallShape:
    """Independent calls run concurrently and identical ones are made once per diagnosis."""

    async def test_basic_collection_gets_the_service_once(
        self, collect: Collect, faults: Faults
    ) -> None:
        outcomes = await collect("media-resizer")
        assert all(not isinstance(r, BaseException) for r in outcomes.values())
        assert faults.calls["gcp:GetService"] == 1
        assert faults.calls["gcp:GetRevision"] == 1
        assert faults.calls["gcp:ListTimeSeries"] == 5

    async def test_comprehensive_runs_every_component(self, collect: Collect) -> None:
        outcomes = await collect("search-frontend", "comprehensive")
        assert set(outcomes) == {
            "service",
            "revision",
            "logs",
            "metrics",
            "metrics_detail",
            "revision_diff",
            "network",
        }
        assert all(not isinstance(r, BaseException) for r in outcomes.values())


class TestResponseSize:
    """Log pages ask for the fields the provider reads, and survive an API that refuses that."""

    async def test_a_basic_diagnosis_reads_under_300_kb(
        self, collect: Collect, faults: Faults
    ) -> None:
        logs = evidence(await collect("search-frontend"), "logs")
        assert len(logs) == 1000
        assert faults.bytes_sent["gcp"] < 300 * 1024

    async def test_refused_field_mask_falls_back_to_full_entries(
        self, collect: Collect, faults: Faults, emulator: GcpEmulator
    ) -> None:
        emulator.field_masks = False
        logs = evidence(await collect("search-frontend"), "logs")
        assert len(logs) == 1000
        assert faults.calls["gcp:ListLogEntries"] == 3  # one refusal, then two full pages
        assert all(str(e.attributes["revision"]).startswith("search-frontend-") for e in logs)
        assert faults.bytes_sent["gcp"] > 300 * 1024
