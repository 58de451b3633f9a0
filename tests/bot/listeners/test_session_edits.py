"""The parent message is edited at most once per interval, however fast components finish."""

from __future__ import annotations

import time

from slack_sdk.web.async_client import AsyncWebClient

from analysis.pipeline import Progress
from bot.listeners.session import ThrottledEditor
from bot.render.progress import ProgressView
from providers.model import ComponentResult
from providers.sandbox.slack import FakeSlack


async def test_edits_are_throttled_and_carry_the_latest_state(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    names = tuple(f"c{i}" for i in range(20))
    view = ProgressView("ledger", "prod")
    editor = ThrottledEditor(client, "C1", "1.0", view, interval_s=0.3)
    await editor.on_progress(Progress("planned", components=names))
    first = await fake_slack.wait_for(lambda c: c.method == "chat.update")
    for name in names:  # twenty components finish at once, right after the first edit
        await editor.on_progress(Progress("finished", name, ComponentResult(name, "ok", 0.1)))
    updates = await fake_slack.wait_for_count(lambda c: c.method == "chat.update", 2)
    await editor.stop()
    assert len(fake_slack.calls_to("chat.update")) == 2
    assert updates[1].at - first.at >= 0.3 - 0.02
    assert updates[1].args["text"].count("✓") == 20
    assert editor.edits == 2
    assert time.monotonic() - first.at < 5
