"""A Redis that accepts connections but never answers costs the bot a bounded wait, not a hang."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.diagnoser import Diagnoser
from bot.listeners.runtime import Runtime
from providers.sandbox.slack import FakeSlack
from tests.bot.conftest import slack_settings


@pytest.fixture
async def silent_redis() -> AsyncIterator[str]:
    """A TCP server on loopback that takes every connection and never replies."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_event_deduplication_falls_back_when_redis_is_silent(
    fake_slack: FakeSlack, k8s_diagnoser: Diagnoser, silent_redis: str
) -> None:
    runtime = Runtime.create(slack_settings(fake_slack, redis_url=silent_redis), k8s_diagnoser)
    try:
        async with asyncio.timeout(5):  # the bound under test is Runtime's own, far below this
            assert await runtime.gate.first("event:Ev1")
            assert not await runtime.gate.first("event:Ev1")
    finally:
        await runtime.close()
