"""Google API failures become our error tree, per component, leaving the rest intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.errors import (
    ConfigError,
    ProviderNotFound,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.gcp import CloudRunProvider, create
from providers.registry import ProviderSettings
from providers.sandbox.faults import Faults
from providers.sandbox.gcp import GcpEmulator
from providers.sandbox.runtime import settings_for
from tests.providers.gcp.harness import Collect, context, evidence, target


class TestNotFound:
    """A service the project does not have."""

    async def test_unknown_service_is_provider_not_found(self, collect: Collect) -> None:
        outcomes = await collect("no-such-service")
        assert isinstance(outcomes["service"], ProviderNotFound)
        assert isinstance(outcomes["revision"], ProviderNotFound)
        error = outcomes["service"]
        assert isinstance(error, ProviderNotFound)
        assert error.operation == "run.GetService"
        assert "no-such-service" in str(error)
        assert not error.retryable


class TestPartialResults:
    """One API failing costs its components only."""

    async def test_logging_permission_denied_spares_the_other_components(
        self, collect: Collect, emulator: GcpEmulator
    ) -> None:
        emulator.deny("ListLogEntries")
        outcomes = await collect("profile-svc")
        error = outcomes["logs"]
        assert isinstance(error, ProviderPermissionDenied)
        assert "logging.logEntries.list" in str(error)
        assert evidence(outcomes, "service")
        assert evidence(outcomes, "revision")
        assert evidence(outcomes, "metrics")

    async def test_monitoring_unavailable_spares_the_other_components(
        self, collect: Collect, faults: Faults
    ) -> None:
        faults.set("gcp", "ListTimeSeries", down=True)
        outcomes = await collect("media-resizer")
        error = outcomes["metrics"]
        assert isinstance(error, ProviderUnavailable)
        assert error.retryable
        assert any("Memory limit of 512 MiB" in e.text for e in evidence(outcomes, "logs"))
        assert evidence(outcomes, "revision")

    async def test_throttling_is_provider_throttled(self, collect: Collect, faults: Faults) -> None:
        faults.set("gcp", "GetService", throttle_rate=1.0)
        outcomes = await collect("search-frontend")
        assert isinstance(outcomes["service"], ProviderThrottled)
        assert outcomes["service"].retryable

    async def test_internal_error_is_retryable_unavailable(
        self, collect: Collect, faults: Faults
    ) -> None:
        faults.set("gcp", "GetRevision", error_rate=1.0)
        outcomes = await collect("accounts-api")
        assert isinstance(outcomes["revision"], ProviderUnavailable)
        assert evidence(outcomes, "logs")

    async def test_a_slow_call_is_a_provider_timeout(self, emulator: GcpEmulator) -> None:
        faults = emulator.faults
        faults.set("gcp", "GetService", latency_s=0.5)
        slow = create(settings_for(emulator, request_timeout_s=0.1))
        try:
            component = next(
                c for c in slow.components(target("profile-svc")) if c.name == "service"
            )
            with pytest.raises(ProviderTimeout) as raised:
                await component.collect(context(target("profile-svc")))
        finally:
            await slow.close()
        assert raised.value.retryable


class TestNames:
    """Names are checked against Google's rules before any call."""

    @pytest.mark.parametrize(
        ("project", "region", "service"),
        [
            ("acme-sandbox", "us-central1", 'svc" OR resource.type="gce_instance'),
            ("acme-sandbox", "us-central1", "Upper-Case"),
            ("acme-sandbox", "us-central1", "trailing-"),
            ("acme-sandbox", "us-central1", "x" * 50),
            ("ACME", "us-central1", "svc"),
            ("acme-sandbox", "us central1", "svc"),
            ("acme-sandbox/../other", "us-central1", "svc"),
        ],
    )
    async def test_invalid_names_raise_config_error_without_calls(
        self, provider: CloudRunProvider, faults: Faults, project: str, region: str, service: str
    ) -> None:
        with pytest.raises(ConfigError):
            provider.components(target(service, project, region))
        assert faults.total_calls("gcp") == 0

    async def test_missing_credentials_are_a_labelled_permission_error(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        # No ADC anywhere: no key file, an empty gcloud config, no metadata-server probe.
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
        monkeypatch.setenv("NO_GCE_CHECK", "true")
        real = create(ProviderSettings())
        service = next(c for c in real.components(target("search-frontend")) if c.name == "service")
        try:
            with pytest.raises(ProviderPermissionDenied, match="Application Default Credentials"):
                await service.collect(context(target("search-frontend")))
        finally:
            await real.close()

    def test_no_credentials_are_needed_until_a_call(self) -> None:
        provider = create(ProviderSettings())
        names = [c.name for c in provider.components(target("search-frontend"))]
        assert names[:4] == ["service", "revision", "logs", "metrics"]


class TestServiceWithoutRevision:
    """The service's status survives a failing GetRevision; only the rollout time is lost."""

    async def test_service_status_without_rollout_start(
        self, collect: Collect, faults: Faults
    ) -> None:
        faults.set("gcp", "GetRevision", down=True)
        notes: list[str] = []
        outcomes = await collect("profile-svc", notes=notes)
        service = evidence(outcomes, "service")
        assert "rollout_started" not in service[0].attributes
        assert service[0].attributes["revision"] == "profile-svc-00008-zt5"
        assert any("rollout start unknown" in note for note in notes)
        assert isinstance(outcomes["revision"], ProviderUnavailable)
