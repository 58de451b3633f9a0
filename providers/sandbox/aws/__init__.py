"""The AWS sandbox: moto in a child process behind a fault proxy, seeded with ECS scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from providers.sandbox.aws.process import MotoProcess
from providers.sandbox.aws.proxy import start_proxy
from providers.sandbox.faults import Faults

SCENARIOS = Path(__file__).parents[1] / "scenarios" / "aws" / "scenarios.yml"


@dataclass
class AwsEmulator:
    """moto on one loopback port (its own process), the fault proxy on another."""

    moto: MotoProcess
    proxy_url: str
    runner: web.AppRunner
    session: aiohttp.ClientSession

    @property
    def moto_url(self) -> str:
        """moto itself, without faults (for scenario checks)."""
        return self.moto.url

    def settings(self) -> dict[str, object]:
        """Point the ECS provider at the proxy (loopback, so the provider uses dummy keys)."""
        return {"aws_endpoint_url": self.proxy_url}

    async def close(self) -> None:
        """Stop the proxy, then moto."""
        await self.runner.cleanup()
        await self.session.close()
        await self.moto.close()


async def start(faults: Faults, workdir: Path) -> AwsEmulator:
    """Start moto (scenarios built) and the fault proxy, both on 127.0.0.1."""
    del workdir  # moto keeps its state in memory
    moto = await MotoProcess.start(SCENARIOS)
    session = aiohttp.ClientSession(auto_decompress=False)
    try:
        runner, proxy_url = await start_proxy(faults, moto.url, session)
    except BaseException:
        await session.close()
        await moto.close()
        raise
    return AwsEmulator(moto, proxy_url, runner, session)
