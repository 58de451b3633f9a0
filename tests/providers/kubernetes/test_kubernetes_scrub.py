"""What reaches the cache: no inline env values, no applied manifest, no managedFields."""

from __future__ import annotations

import json

from providers.kubernetes import KubernetesProvider
from providers.kubernetes.scrub import REDACTED
from providers.sandbox.kubernetes import KubernetesEmulator
from tests.providers.kubernetes.k8s_support import RecordingGateway, run_component

SECRET = "postgres://ledger:hunter2@db.finance:5432/ledger"


class TestCachedValuesHoldNoSecrets:
    """Values handed to the gateway (and so to Redis) are scrubbed of inline secrets."""

    async def test_env_values_and_applied_manifest_never_reach_the_gateway(
        self, k8s_provider: KubernetesProvider, k8s_sandbox: KubernetesEmulator
    ) -> None:
        manifest = json.dumps({"env": [{"name": "DATABASE_URL", "value": SECRET}]})
        for obj in [
            k8s_sandbox.state.find("Deployment", "finance", "ledger"),
            *k8s_sandbox.state.of_kind("ReplicaSet", "finance"),
            *k8s_sandbox.state.of_kind("Pod", "finance"),
        ]:
            assert obj is not None
            obj["metadata"].setdefault("annotations", {})[
                "kubectl.kubernetes.io/last-applied-configuration"
            ] = manifest
            obj["metadata"]["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:x": {}}}]
            spec = obj["spec"].get("template", {}).get("spec") or obj["spec"]
            spec["containers"][0]["env"].append({"name": "DATABASE_URL", "value": SECRET})
        gateway = RecordingGateway()
        for component in ("status", "pods", "events"):
            got = await run_component(k8s_provider, "ledger", component, gateway=gateway)
            assert got.evidence
        cached = json.dumps(gateway.values)
        assert "hunter2" not in cached
        assert "managedFields" not in cached
        assert "last-applied-configuration" not in cached
        assert REDACTED in cached
        assert '"secretKeyRef"' in cached  # references to secrets are kept: they name no value
