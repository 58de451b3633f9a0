"""The Cloud Run sandbox: one grpc.aio server speaking Cloud Run Admin v2, Logging and Monitoring.

Scenario data (providers/sandbox/scenarios/gcp/*.yml) is written in the APIs' own JSON
shapes, with times relative to start-up ("@now-25m"); log lines and metric points are
generated from compact, deterministic specs so every start tells the same story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc

from providers.sandbox.faults import Faults
from providers.sandbox.gcp.scenario import ScenarioSet
from providers.sandbox.gcp.server import Handlers

__all__ = ["GcpEmulator", "start"]


@dataclass
class GcpEmulator:
    """The running fake; `deny(method)` makes a method answer PERMISSION_DENIED."""

    server: grpc.aio.Server
    port: int
    faults: Faults
    scenarios: ScenarioSet
    denied: set[str] = field(default_factory=set)
    # False: answer any response field mask with INVALID_ARGUMENT, like an API without them.
    field_masks: bool = True

    def settings(self) -> dict[str, object]:
        """Point the Cloud Run provider at this server."""
        return {"gcp_endpoint": f"127.0.0.1:{self.port}"}

    def deny(self, method: str) -> None:
        """Answer `method` (e.g. "ListLogEntries") with PERMISSION_DENIED from now on."""
        self.denied.add(method)

    async def close(self) -> None:
        """Stop serving at once."""
        await self.server.stop(None)


async def start(faults: Faults, workdir: Path) -> GcpEmulator:
    """Load the scenarios and serve them on 127.0.0.1 (an ephemeral port)."""
    del workdir  # everything lives in memory
    scenarios = ScenarioSet(datetime.now(UTC).replace(microsecond=0))
    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    emulator = GcpEmulator(server, port, faults, scenarios)
    Handlers(emulator).register(server)
    await server.start()
    return emulator
