"""API objects trimmed before they are cached: no inline env values, no bulk we never read."""

from __future__ import annotations

from typing import Any

# Holds the whole applied manifest, env values included.
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
REDACTED = "<redacted>"


def scrub(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop managedFields and the last-applied manifest; mask inline env values (in place)."""
    meta = obj.get("metadata") or {}
    meta.pop("managedFields", None)
    (meta.get("annotations") or {}).pop(_LAST_APPLIED, None)
    spec = obj.get("spec") or {}
    for pod_spec in (spec, (spec.get("template") or {}).get("spec") or {}):
        for key in ("containers", "initContainers", "ephemeralContainers"):
            for container in pod_spec.get(key) or []:
                for env in container.get("env") or []:
                    if "value" in env:
                        env["value"] = REDACTED
    return obj
