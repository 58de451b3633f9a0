"""Deploy alerts posted in a channel, delivered as signed Events API callbacks to the real app."""

from __future__ import annotations

import aiohttp

from bot.diagnoser import Diagnoser
from providers.sandbox.slack import BOT_ID, FakeSlack, SlackCall
from tests.bot.conftest import SlackHarness, start_harness


def _jenkins(job: str, *, ts: str, status: str = "Failure", channel: str = "C0DEPLOYS") -> dict:
    line = (
        f"{job} - #214 {status} after 3 min 41 sec (<https://jenkins.acme.io/job/{job}/214/|Open>)"
    )
    return {
        "type": "message",
        "channel": channel,
        "ts": ts,
        "text": "",
        "bot_id": "B07JENK1NS1",
        "attachments": [{"fallback": line, "color": "danger", "fields": [{"value": line}]}],
    }


def _argocd(app: str, *, ts: str, failed: bool = True, revision: str = "8490d9b4") -> dict:
    verb = (
        "has failed at 2025-11-27T14:03:11Z with the following error: boom"
        if failed
        else ("has succeeded at 2025-11-27T14:03:11Z.")
    )
    return {
        "type": "message",
        "subtype": "bot_message",
        "channel": "C0DEPLOYS",
        "ts": ts,
        "text": f":exclamation: The sync operation of application {app} {verb}",
        "attachments": [
            {
                "title": app,
                "color": "#E96D76" if failed else "#18be52",
                "fields": [{"title": "Revision", "value": revision, "short": True}],
            }
        ],
        "bot_id": "B07ARG0CD11",
        "username": "Argo CD",
    }


def _replies(harness: SlackHarness, ts: str) -> list[SlackCall]:
    return [c for c in harness.posted() if c.args.get("thread_ts") == ts]


class TestAlertReplies:
    """Failures get one threaded diagnosis; successes, repeats and our own posts get nothing."""

    async def test_failure_alert_is_diagnosed_in_its_thread(self, slack: SlackHarness) -> None:
        status, _ = await slack.event(_argocd("payments-worker-prod", ts="1700000500.000001"))
        assert status == 200
        parent = await slack.fake.wait_for(
            lambda c: c.method == "chat.postMessage" and "Diagnosing" in str(c.args.get("text"))
        )
        assert parent.args["thread_ts"] == "1700000500.000001"
        assert "after this alert" in parent.args["text"]
        await slack.runtime.idle()
        replies = _replies(slack, "1700000500.000001")
        assert len(replies) == 2  # the live parent, then the report (threads do not nest)
        assert "memory" in replies[1].args["blocks"][0]["text"]["text"].lower()
        verdict = slack.fake.calls_to("chat.update")[-1]
        assert verdict.args["ts"] == parent.answer["ts"]
        assert "confidence" in verdict.args["text"]

    async def test_success_gets_no_reply(self, slack: SlackHarness) -> None:
        await slack.event(_argocd("payments-worker-prod", ts="1700000501.000001", failed=False))
        await slack.event(
            _jenkins("ledger-deploy-prod", ts="1700000502.000001", status="Back to normal")
        )
        await slack.runtime.idle()
        assert slack.fake.calls_to("chat.postMessage") == []

    async def test_still_failing_repeat_starts_no_second_diagnosis(
        self, slack: SlackHarness
    ) -> None:
        await slack.event(_jenkins("ledger-deploy-prod", ts="1700000503.000001"))
        await slack.event(
            _jenkins("ledger-deploy-prod", ts="1700000504.000001", status="Still Failing")
        )
        await slack.event(_argocd("ledger-prod", ts="1700000505.000001", revision="-"))
        await slack.runtime.idle()
        diagnosing = [c for c in slack.posted() if "Diagnosing" in str(c.args.get("text"))]
        assert len(diagnosing) == 1
        assert diagnosing[0].args["thread_ts"] == "1700000503.000001"

    async def test_same_service_new_revision_is_diagnosed_again(self, slack: SlackHarness) -> None:
        await slack.event(_argocd("orders-api-prod", ts="1700000506.000001", revision="aaaa111"))
        await slack.event(_argocd("orders-api-prod", ts="1700000507.000001", revision="bbbb222"))
        await slack.runtime.idle()
        diagnosing = [c for c in slack.posted() if "Diagnosing" in str(c.args.get("text"))]
        assert sorted(c.args["thread_ts"] for c in diagnosing) == [
            "1700000506.000001",
            "1700000507.000001",
        ]

    async def test_unknown_service_gets_one_short_note(self, slack: SlackHarness) -> None:
        await slack.event(_jenkins("billing-deploy-prod", ts="1700000508.000001"))
        await slack.runtime.idle()
        notes = _replies(slack, "1700000508.000001")
        assert len(notes) == 1
        assert "not in the service catalog" in notes[0].args["text"]
        assert slack.fake.calls_to("chat.update") == []

    async def test_tolerant_match_of_alert_names(self, slack: SlackHarness) -> None:
        # "searchindexer" (dashes dropped, as Spinnaker spells applications) is search-indexer
        event = {
            "type": "message",
            "channel": "C0DEPLOYS",
            "ts": "1700000509.000001",
            "text": "",
            "attachments": [
                {
                    "title": "Pipeline failed for SEARCHINDEXER",
                    "text": "Searchindexer's <https://spin.acme.io/#/x/executions/details/1|Deploy"
                    " to Prod> pipeline has failed",
                    "color": "#B82525",
                    "footer": "Spinnaker",
                }
            ],
            "bot_id": "B07SP1NNAK1",
        }
        await slack.event(event)
        await slack.runtime.idle()
        replies = _replies(slack, "1700000509.000001")
        assert "search-indexer (prod)" in replies[0].args["text"]

    async def test_own_messages_are_ignored(self, slack: SlackHarness) -> None:
        own = _argocd("payments-worker-prod", ts="1700000510.000001")
        own["bot_id"] = BOT_ID
        await slack.event(own)
        await slack.runtime.idle()
        assert slack.fake.calls_to("chat.postMessage") == []

    async def test_duplicate_event_id_and_retry_give_one_reply(self, slack: SlackHarness) -> None:
        event = _jenkins("ledger-deploy-prod", ts="1700000511.000001")
        await slack.event(event, event_id="EvDUP1")
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await slack.event(event, event_id="EvDUP1", headers=retry)
        assert status == 200
        await slack.event(event, event_id="EvDUP1")
        await slack.runtime.idle()
        assert len(_replies(slack, "1700000511.000001")) == 2  # one parent + one report

    async def test_a_retry_of_an_event_never_seen_is_handled(self, slack: SlackHarness) -> None:
        """The first delivery was lost (the app was down): the retry is the only chance."""
        event = _jenkins("ledger-deploy-prod", ts="1700000512.000001")
        retry = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}
        await slack.event(event, event_id="EvLOST1", headers=retry)
        await slack.runtime.idle()
        assert len(_replies(slack, "1700000512.000001")) == 2


class TestWatchedChannels:
    """Only watched channels are read when a watch list is set."""

    async def test_unwatched_channel_is_ignored(
        self, fake_slack: FakeSlack, k8s_diagnoser: Diagnoser, http: aiohttp.ClientSession
    ) -> None:
        harness, runner = await start_harness(
            fake_slack, k8s_diagnoser, http, watch_channels=["C0WATCHED"]
        )
        try:
            await harness.event(_jenkins("ledger-deploy-prod", ts="1.1", channel="C0ELSEWHERE"))
            await harness.event(_jenkins("orders-api-prod", ts="1.2", channel="C0WATCHED"))
            await harness.runtime.idle()
            channels = {c.args["channel"] for c in harness.posted()}
            assert channels == {"C0WATCHED"}
        finally:
            await harness.runtime.close()
            await runner.cleanup()
