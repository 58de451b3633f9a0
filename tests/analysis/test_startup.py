"""Derived facts: a start slower than the platform's window; loopback on the checked port."""

from __future__ import annotations

import pytest

from analysis.engine import Engine
from analysis.evidence_text import evidence_from_text
from analysis.startup import slow_start


def ranked(engine: Engine, text: str, platform: str = "generic") -> list[tuple[str, float]]:
    found = engine.analyze(evidence_from_text(text), platform=platform).findings
    return [(f.category, f.confidence) for f in found]


ELB_KILL = (
    "service billing-api (task 0e3b) failed ELB health checks in "
    "(target-group arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api/2)"
)


class TestSlowStart:
    """A check that fails while the app is still starting is a symptom of the slow start."""

    def test_spring_start_longer_than_ecs_grace_period_is_a_timeout(self, engine: Engine) -> None:
        text = (
            f"healthCheckGracePeriodSeconds: 60\n{ELB_KILL}\n"
            "Started BillingApplication in 94.215 seconds (process running for 97.1)"
        )
        found = ranked(engine, text, "ecs")
        assert found[0][0] == "timeout"
        assert dict(found).get("health_check_failed", 0.0) < found[0][1]

    def test_start_within_the_grace_period_leaves_the_health_check(self, engine: Engine) -> None:
        text = (
            f"healthCheckGracePeriodSeconds: 120\n{ELB_KILL}\n"
            "Started BillingApplication in 94.215 seconds (process running for 97.1)"
        )
        assert ranked(engine, text, "ecs")[0][0] == "health_check_failed"

    def test_kubectl_probe_window_is_delay_plus_period_times_failures(self) -> None:
        probe = (
            "Liveness: http-get http://:8080/health delay=10s timeout=1s period=10s "
            "#success=1 #failure=3"
        )
        assert slow_start([(1, "Quarkus started in 41.2s.")], [(0, probe)]) == [0, 1]
        assert slow_start([(1, "Quarkus started in 39.9s.")], [(0, probe)]) == []

    def test_a_readiness_probe_kills_nothing_so_sets_no_window(self) -> None:
        probe = (
            "Readiness: http-get http://:8080/ready delay=10s timeout=1s period=10s "
            "#success=1 #failure=3"
        )
        assert slow_start([(1, "Quarkus started in 41.2s.")], [(0, probe)]) == []

    def test_milliseconds_are_converted(self) -> None:
        window = [(0, "healthCheckGracePeriodSeconds: 30")]
        assert slow_start([(1, "Server startup in [75,120] milliseconds")], window) == [0, 1]
        assert slow_start([(1, "Startup completed in 2890ms.")], window) == []

    def test_ecs_grace_period_counts_at_least_the_albs_own_minute(self) -> None:
        window = [(0, "service api: healthCheckGracePeriodSeconds 0")]
        assert slow_start([(1, "Started Api in 45.0 seconds")], window) == []
        assert slow_start([(1, "Started Api in 75.0 seconds")], window) == [0, 1]

    def test_partial_probe_settings_are_not_a_window(self) -> None:
        started = [(1, "Started Api in 20.0 seconds")]
        assert slow_start(started, [(0, "initialDelaySeconds: 5")]) == []
        assert slow_start(started, [(0, "start_period: 5s")]) == []

    def test_slow_start_rules_out_the_cloud_run_port_reading(self, engine: Engine) -> None:
        text = (
            "The user-provided container failed to start and listen on the port defined "
            "provided by the PORT=8080 environment variable.\n"
            "startup probe TCP port 8080 (initial delay 0s, period 10s, timeout 10s, "
            "failure threshold 3)\n"
            "Started AccountsApplication in 52.8 seconds (JVM running for 55.0)"
        )
        assert ranked(engine, text, "cloudrun")[0][0] == "timeout"

    def test_a_duration_without_a_window_proves_nothing(self, engine: Engine) -> None:
        text = f"{ELB_KILL}\nStarted BillingApplication in 94.215 seconds"
        assert ranked(engine, text, "ecs")[0][0] == "health_check_failed"


class TestLoopbackOnTheCheckedPort:
    """The right port on the wrong interface: checks from outside the container are refused."""

    PROBE = (
        'Readiness probe failed: Get "http://10.1.2.3:3000/healthz": '
        "dial tcp 10.1.2.3:3000: connect: connection refused"
    )

    def test_loopback_listener_on_the_probed_port_is_port_binding(self, engine: Engine) -> None:
        found = ranked(engine, f"{self.PROBE}\nServer listening at http://127.0.0.1:3000")
        assert found[0][0] == "port_binding"
        assert found[0][1] >= 0.85

    def test_all_interfaces_on_the_probed_port_is_not(self, engine: Engine) -> None:
        found = ranked(engine, f"{self.PROBE}\nServer listening at http://0.0.0.0:3000")
        loopback = ranked(engine, f"{self.PROBE}\nServer listening at http://127.0.0.1:3000")
        assert dict(found).get("port_binding", 0.0) < dict(loopback)["port_binding"]


class TestPublishedPortsAreChecked:
    """docker run -p, Azure's pings and App Runner's check name the port traffic arrives on."""

    @pytest.mark.parametrize(("address", "binding"), [("localhost", True), ("0.0.0.0", False)])
    def test_a_published_port_served_on_loopback_only(
        self, engine: Engine, address: str, binding: bool
    ) -> None:
        text = (
            "docker run -p 6001:6001 ghcr.io/acme/notes:1.2\n"
            f'level=INFO msg="Ready to serve requests" addr=http://{address}:6001'
        )
        assert (dict(ranked(engine, text)).get("port_binding", 0.0) >= 0.8) is binding

    def test_a_published_port_is_no_mismatch_with_another_port_logged(self, engine: Engine) -> None:
        # Containers publish several ports and log some: only loopback on it counts.
        text = "docker run -p 25565:25565 -d game-server\nRCON running on 0.0.0.0:25575"
        assert "port_binding" not in dict(ranked(engine, text))

    def test_azure_pings_another_port_than_the_app_listens_on(self, engine: Engine) -> None:
        text = (
            "ERROR - Container web_0 didn't respond to HTTP pings on port: 443, failing site "
            "start.\nINFO: Listening on port 80"
        )
        found = ranked(engine, text)
        assert found[0][0] == "port_binding"
        assert found[0][1] >= 0.85


class TestCloudRunDefaultProbe:
    """Without a configured probe Cloud Run waits 240 s (TCP, period 240 s, threshold 1)."""

    def test_start_beyond_the_default_window(self) -> None:
        window = [(0, "startup probe default TCP startup probe, liveness probe none")]
        assert slow_start([(1, "Started Api in 251.3 seconds")], window) == [0, 1]
        assert slow_start([(1, "Started Api in 180.0 seconds")], window) == []
