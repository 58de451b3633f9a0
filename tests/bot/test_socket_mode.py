"""Socket Mode: with SLACK_APP_TOKEN the app connects out over a WebSocket, acks envelopes."""

from __future__ import annotations

import asyncio
import contextlib

from bot.app import run
from bot.diagnoser import Diagnoser
from providers.sandbox.slack import TEAM_ID, FakeSlack
from tests.bot.conftest import slack_settings


async def test_slash_command_over_socket_mode(
    fake_slack: FakeSlack, k8s_diagnoser: Diagnoser
) -> None:
    settings = slack_settings(
        fake_slack,
        slack_app_token="xapp-1-test",
        slack_signing_secret=None,
        button_secret="button-secret",
        port=0,
    )
    serving = asyncio.create_task(run(settings, k8s_diagnoser, host="127.0.0.1"))
    try:
        await fake_slack.wait_for(lambda c: c.method == "socket_connect")
        assert fake_slack.calls_to("apps.connections.open")
        await fake_slack.socket_send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": TEAM_ID,
                    "channel_id": "C0SOCKET",
                    "user_id": "U0ALICE",
                    "command": "/diagnose",
                    "text": "orders-api",
                    "response_url": fake_slack.response_url("socket"),
                    "trigger_id": "t1",
                },
            }
        )
        ack = await fake_slack.wait_for(lambda c: c.method == "socket_ack")
        assert ack.args["envelope_id"] == "env-1"
        verdict = await fake_slack.wait_for(
            lambda c: c.method == "chat.update" and "confidence" in str(c.args.get("text"))
        )
        assert verdict.args["channel"] == "C0SOCKET"
        assert "orders-api (prod)" in verdict.args["text"]
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
