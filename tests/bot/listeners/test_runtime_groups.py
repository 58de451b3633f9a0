"""User groups are read from Slack once per cache period, however many requests need them."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from tests.bot.conftest import BOT_TOKEN, SlackHarness


async def test_concurrent_requests_share_one_usergroups_list(slack: SlackHarness) -> None:
    slack.fake.usergroups = {"S0SRE": ["U0SRE"]}
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.fake.base_url)
    users = ["U0SRE", "U0DEV", "U0SRE", "U0OPS", "U0SRE"]
    groups = await asyncio.gather(*(slack.runtime.user_groups(client, u) for u in users))
    sre, none = frozenset({"S0SRE"}), frozenset[str]()
    assert groups == [sre, none, sre, none, sre]
    assert len(slack.fake.calls_to("usergroups.list")) == 1
