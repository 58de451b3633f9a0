"""A vote while Redis is unreachable gets an answer saying so, not silence."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.diagnoser import Diagnoser
from providers.sandbox.slack import FakeSlack
from tests.bot.conftest import SlackHarness, start_harness


@pytest.fixture
def dead_redis_url() -> str:
    """A loopback port nobody listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def slack_without_redis(
    fake_slack: FakeSlack,
    k8s_diagnoser: Diagnoser,
    http: aiohttp.ClientSession,
    dead_redis_url: str,
) -> AsyncIterator[SlackHarness]:
    harness, runner = await start_harness(fake_slack, k8s_diagnoser, http, redis_url=dead_redis_url)
    yield harness
    await harness.runtime.close()
    await runner.cleanup()


async def test_vote_with_storage_down_is_answered(slack_without_redis: SlackHarness) -> None:
    slack = slack_without_redis
    await slack.command("orders-api")
    await slack.runtime.idle()
    report = next(c for c in slack.posted() if c.args.get("thread_ts"))
    actions = next(b for b in report.args["blocks"] if b["type"] == "actions")
    value = next(e["value"] for e in actions["elements"] if e["action_id"] == "feedback_up")
    await slack.click("feedback_up", value, hook="vote")
    reply = await slack.fake.wait_for(
        lambda c: c.method == "response_url" and c.args.get("hook") == "vote"
    )
    assert "not recorded" in reply.args["text"]
    assert reply.args["response_type"] == "ephemeral"
