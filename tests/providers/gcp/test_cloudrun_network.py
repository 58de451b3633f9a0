"""The network component speaks up only when the logs show connection failures."""

from __future__ import annotations

from pathlib import Path

from providers.sandbox.gcp import GcpEmulator
from tests.providers.gcp.harness import Collect, evidence

_REVISION = "projects/acme-sandbox/locations/us-central1/services/orders-gateway/revisions/"
_SCENARIO = f"""
service:
  name: projects/acme-sandbox/locations/us-central1/services/orders-gateway
  uri: https://orders-gateway-x1-uc.a.run.app
  template: {{containers: [{{image: us-docker.pkg.dev/acme/apps/orders-gateway:7.1.0}}]}}
  latestReadyRevision: {_REVISION}orders-gateway-00003-abc
  latestCreatedRevision: {_REVISION}orders-gateway-00003-abc
revisions:
  - name: {_REVISION}orders-gateway-00003-abc
    createTime: "@now-30m"
    containers: [{{image: us-docker.pkg.dev/acme/apps/orders-gateway:7.1.0}}]
logs:
  - {{from: "@now-20m", to: "@now", every: 30, revision: orders-gateway-00003-abc, log: stderr,
      severity: ERROR, text: "connect ECONNREFUSED 10.20.0.5:5432"}}
  - {{from: "@now-20m", to: "@now", every: 10, revision: orders-gateway-00003-abc,
      http: {{paths: [/orders], status: 200, latency: [0.01, 0.05]}}}}
"""


class TestNetwork:
    async def test_private_targets_without_vpc_egress_are_reported(
        self, collect: Collect, emulator: GcpEmulator, tmp_path: Path
    ) -> None:
        scenario = tmp_path / "orders-gateway.yml"
        scenario.write_text(_SCENARIO)
        emulator.scenarios.add(scenario)
        network = evidence(await collect("orders-gateway", "comprehensive"), "network")
        assert len(network) == 1
        finding = network[0]
        assert finding.kind == "network"
        assert "has no VPC connector or Direct VPC egress" in finding.text
        assert "private targets: 10.20.0.5" in finding.text
        assert int(finding.attributes["connection_failures"]) >= 30
        assert finding.attributes["direct_vpc"] is False

    async def test_no_connection_failures_means_no_network_evidence(self, collect: Collect) -> None:
        outcomes = await collect("profile-svc", "comprehensive")
        assert evidence(outcomes, "network") == []
