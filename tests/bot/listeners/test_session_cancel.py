"""A diagnosis cancelled mid-run (shutdown, drain) leaves no progress editor behind."""

from __future__ import annotations

import asyncio

from tests.bot.conftest import SlackHarness


def _live_editors() -> list[asyncio.Task[object]]:
    return [
        t for t in asyncio.all_tasks() if t.get_name() == "slack-progress-edits" and not t.done()
    ]


async def test_cancelled_session_stops_its_progress_editor(slack: SlackHarness) -> None:
    sandbox = slack.runtime.diagnoser.sandbox
    assert sandbox is not None
    sandbox.faults.set("kubernetes", latency_s=3.0)  # keeps the diagnosis running while we cancel
    await slack.command("orders-api")
    await slack.fake.wait_for(lambda c: c.method == "chat.update")  # the editor is running
    assert _live_editors()
    await slack.runtime.drain(within=0)
    assert _live_editors() == []
    sandbox.faults.clear()
