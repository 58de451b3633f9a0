"""Slack test harness: the real Bolt app on a real port, a fake Slack Web API, signed requests."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.app import build_bolt_app, build_web_app
from bot.diagnoser import Diagnoser
from bot.listeners.runtime import Runtime
from bot.settings import Settings
from providers.sandbox.slack import TEAM_ID, FakeSlack, SlackCall

SIGNING_SECRET = "test-signing-secret-8f2b"
BOT_TOKEN = "xoxb-test-token"  # a test value the fake accepts


@dataclass
class SlackHarness:
    """The app under test, its fake Slack, and helpers that sign requests as Slack does."""

    fake: FakeSlack
    runtime: Runtime
    url: str
    http: aiohttp.ClientSession

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST `body` to /slack/events signed with `secret` at `timestamp` (now by default)."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        async with self.http.post(self.url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def command(
        self, text: str, *, user: str = "U0ALICE", channel: str = "C0DEPLOYS", **kw: Any
    ) -> tuple[int, str]:
        """A signed `/diagnose` slash command (a form body, as Slack sends it)."""
        form = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "sandbox",
            "channel_id": channel,
            "channel_name": "deploys",
            "user_id": user,
            "user_name": "alice",
            "command": "/diagnose",
            "text": text,
            "api_app_id": "A0DEPLOY",
            "response_url": self.fake.response_url(f"cmd-{uuid.uuid4().hex[:8]}"),
            "trigger_id": f"trig.{uuid.uuid4().hex[:8]}",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded", **kw)

    async def event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, **kw: Any
    ) -> tuple[int, str]:
        """A signed Events API `event_callback` carrying `event`."""
        envelope = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0DEPLOY",
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UDEPLOYBOT", "is_bot": True}],
        }
        return await self.post(json.dumps(envelope), "application/json", **kw)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        channel: str = "C0DEPLOYS",
        user: str = "U0ALICE",
        message_ts: str = "1700000002.000100",
        thread_ts: str | None = "1700000001.000100",
        hook: str = "click",
    ) -> tuple[int, str]:
        """A signed block_actions interaction on a report button."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "api_app_id": "A0DEPLOY",
            "token": "legacy",
            "trigger_id": f"trig.{uuid.uuid4().hex[:8]}",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": {"ts": message_ts, "thread_ts": thread_ts, "type": "message"},
            "response_url": self.fake.response_url(hook),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "report_actions",
                    "value": value,
                    "type": "button",
                    "action_ts": str(time.time()),
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    def posted(self, channel: str | None = None) -> list[SlackCall]:
        """chat.postMessage calls (in `channel`)."""
        calls = self.fake.calls_to("chat.postMessage")
        return [c for c in calls if channel is None or c.args.get("channel") == channel]


def slack_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    """Settings that point the app at the fake Slack (the environment cannot leak in)."""
    fields: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_api_url": fake.base_url,
        "redis_url": None,
        "watch_channels": [],
        "button_secret": None,
    }
    return Settings(**{**fields, **overrides})


async def start_harness(
    fake: FakeSlack,
    diagnoser: Diagnoser,
    http: aiohttp.ClientSession,
    *,
    key_prefix: str | None = None,
    **settings: Any,
) -> tuple[SlackHarness, web.AppRunner]:
    """Serve the real Bolt app on 127.0.0.1 (ephemeral port)."""
    prefix = key_prefix or f"dftest:{uuid.uuid4().hex[:12]}:"
    runtime = Runtime.create(slack_settings(fake, **settings), diagnoser, key_prefix=prefix)
    runtime.update_interval_s = 0.05
    runner = web.AppRunner(build_web_app(build_bolt_app(runtime), runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return SlackHarness(fake, runtime, f"http://127.0.0.1:{port}/slack/events", http), runner


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fresh fake Slack Web API on loopback."""
    fake = await FakeSlack.start()
    yield fake
    await fake.close()


@pytest.fixture
async def k8s_diagnoser() -> AsyncIterator[Diagnoser]:
    """The real Diagnoser on the Kubernetes sandbox (four scenarios)."""
    diagnoser = await Diagnoser.start(Settings(sandbox=True), platforms=["kubernetes"])
    yield diagnoser
    await diagnoser.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session for posting to the app."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def slack(
    fake_slack: FakeSlack, k8s_diagnoser: Diagnoser, http: aiohttp.ClientSession
) -> AsyncIterator[SlackHarness]:
    """The app with in-process de-duplication, every channel watched."""
    harness, runner = await start_harness(fake_slack, k8s_diagnoser, http)
    yield harness
    await harness.runtime.close()
    await runner.cleanup()
