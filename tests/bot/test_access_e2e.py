"""Access policies from the catalog, enforced on /diagnose and alerts by the running app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from analysis.engine import Engine
from bot.catalog import Catalog
from bot.diagnoser import Diagnoser
from bot.settings import Settings
from providers.gateway import DirectGateway
from providers.sandbox.runtime import Sandbox
from providers.sandbox.slack import FakeSlack, SlackCall
from tests.bot.conftest import SlackHarness, start_harness

CATALOG = {
    "services": {
        "ledger": {
            "platform": "kubernetes",
            "env": "prod",
            "namespace": "finance",
            "deployment": "ledger",
            "access": {"usergroups": ["S0SRE"], "environments": ["prod"]},
        },
        "orders-api": {
            "platform": "kubernetes",
            "env": "prod",
            "namespace": "shop",
            "deployment": "orders-api",
            "aliases": ["orders"],
            "access": {"channels": ["C0SHOP"]},
        },
    }
}


@pytest.fixture
async def guarded(
    fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> AsyncIterator[SlackHarness]:
    """The app over the Kubernetes sandbox with a catalog that has access policies."""
    sandbox = await Sandbox.start(["kubernetes"])
    diagnoser = Diagnoser(
        settings=Settings(sandbox=True),
        catalog=Catalog.from_data(CATALOG),
        provider_settings=sandbox.provider_settings(),
        gateway=DirectGateway(),
        analyzer=Engine.load(),
        sandbox=sandbox,
    )
    fake_slack.usergroups = {"S0SRE": ["U0SRE"]}
    harness, runner = await start_harness(fake_slack, diagnoser, http)
    yield harness
    await harness.runtime.close()
    await runner.cleanup()
    await diagnoser.close()


def _replied(call: SlackCall) -> bool:
    return call.method == "response_url"


class TestAccessPolicy:
    """Refusals are ephemeral and say what would work; permitted requests run."""

    async def test_user_outside_the_group_is_refused(self, guarded: SlackHarness) -> None:
        await guarded.command("ledger", user="U0DEV")
        reply = await guarded.fake.wait_for(_replied)
        assert reply.args["response_type"] == "ephemeral"
        assert "<!subteam^S0SRE>" in reply.args["text"]
        await guarded.runtime.idle()
        assert guarded.posted() == []

    async def test_group_member_may_diagnose(self, guarded: SlackHarness) -> None:
        await guarded.command("ledger", user="U0SRE")
        await guarded.runtime.idle()
        assert guarded.fake.calls_to("usergroups.list")
        assert any("Diagnosing ledger (prod)" in c.args["text"] for c in guarded.posted())

    async def test_channel_policy_applies_to_aliases_too(self, guarded: SlackHarness) -> None:
        await guarded.command("orders", channel="C0ELSEWHERE")
        reply = await guarded.fake.wait_for(_replied)
        assert "<#C0SHOP>" in reply.args["text"]
        await guarded.command("orders", channel="C0SHOP")
        await guarded.runtime.idle()
        assert [c.args["channel"] for c in guarded.posted()] == ["C0SHOP", "C0SHOP"]

    async def test_alert_in_a_channel_without_access_is_not_diagnosed(
        self, guarded: SlackHarness
    ) -> None:
        line = "orders-api-prod - #3 Failure after 1 min (<https://ci/job/3/|Open>)"
        event = {
            "type": "message",
            "channel": "C0ELSEWHERE",
            "ts": "9.1",
            "text": "",
            "attachments": [{"fallback": line, "color": "danger"}],
        }
        await guarded.event(event)
        await guarded.runtime.idle()
        assert guarded.posted() == []
