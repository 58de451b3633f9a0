"""The AWS sandbox: moto's server in-process behind a fault proxy, seeded with ECS scenarios."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web
from moto.server import ThreadedMotoServer

from providers.sandbox.aws.builder import build_scenarios
from providers.sandbox.aws.proxy import start_proxy
from providers.sandbox.faults import Faults

SCENARIOS = Path(__file__).parents[1] / "scenarios" / "aws" / "scenarios.yml"


@dataclass
class AwsEmulator:
    """moto on one loopback port, the fault proxy on another."""

    moto: ThreadedMotoServer
    moto_url: str
    proxy_url: str
    runner: web.AppRunner
    session: aiohttp.ClientSession

    def settings(self) -> dict[str, object]:
        """Point the ECS provider at the proxy (loopback, so the provider uses dummy keys)."""
        return {"aws_endpoint_url": self.proxy_url}

    async def close(self) -> None:
        """Stop the proxy, then moto."""
        await self.runner.cleanup()
        await self.session.close()
        await asyncio.to_thread(self.moto.stop)


async def start(faults: Faults, workdir: Path) -> AwsEmulator:
    """Start moto and the proxy on 127.0.0.1 and build every ECS scenario.

    moto keeps state in process-wide backends, so one AWS sandbox runs per process at a time.
    """
    del workdir  # moto keeps its state in memory
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    await asyncio.to_thread(moto.start)
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    session = aiohttp.ClientSession(auto_decompress=False)
    try:
        async with session.post(f"{moto_url}/moto-api/reset") as reset:
            reset.raise_for_status()
        spec = yaml.safe_load(SCENARIOS.read_text())
        await asyncio.to_thread(build_scenarios, moto_url, spec, datetime.now(UTC))
        runner, proxy_url = await start_proxy(faults, moto_url, session)
    except BaseException:
        await session.close()
        await asyncio.to_thread(moto.stop)
        raise
    return AwsEmulator(moto, moto_url, proxy_url, runner, session)
