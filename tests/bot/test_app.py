"""The real Bolt app on a real port, driven by signed requests, against the Kubernetes sandbox."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.diagnoser import Diagnoser
from providers.sandbox.slack import FakeSlack, SlackCall
from tests.bot.conftest import SlackHarness, start_harness


def _is(method: str, **args: object) -> Callable[[SlackCall], bool]:
    def match(call: SlackCall) -> bool:
        return call.method == method and all(call.args.get(k) == v for k, v in args.items())

    return match


class TestSigning:
    """Slack's request signature is enforced on every request."""

    async def test_bad_signature_is_401(self, slack: SlackHarness) -> None:
        status, _ = await slack.command("payments-worker", secret="not-the-secret")
        assert status == 401

    async def test_stale_timestamp_is_401(self, slack: SlackHarness) -> None:
        status, _ = await slack.command("payments-worker", timestamp=int(time.time()) - 6 * 60)
        assert status == 401

    async def test_url_verification_challenge_is_answered(self, slack: SlackHarness) -> None:
        body = json.dumps({"token": "t", "challenge": "ch4ll3nge", "type": "url_verification"})
        status, text = await slack.post(body, "application/json")
        assert status == 200
        assert "ch4ll3nge" in text

    async def test_health_and_metrics_sit_beside_events(self, slack: SlackHarness) -> None:
        base = slack.url.removesuffix("/slack/events")
        async with slack.http.get(base + "/healthz") as health:
            assert health.status == 200
        async with slack.http.get(base + "/metrics") as metrics:
            assert metrics.status == 200
            assert "python_info" in await metrics.text() or "process_" in await metrics.text()


class TestSlashCommand:
    """/diagnose: ack at once, parent message edited live, report threaded, verdict last."""

    async def test_diagnose_posts_parent_updates_and_threads_the_report(
        self, slack: SlackHarness
    ) -> None:
        started = time.perf_counter()
        status, body = await slack.command("payments-worker")
        ack_s = time.perf_counter() - started
        assert status == 200
        assert body == ""
        assert ack_s < 1.0

        parent_call = await slack.fake.wait_for(_is("chat.postMessage", channel="C0DEPLOYS"))
        assert "Diagnosing payments-worker (prod) for <@U0ALICE>" in parent_call.args["text"]
        assert parent_call.args.get("thread_ts") is None
        parent_ts = _ts_of(slack.fake, parent_call)

        report = await slack.fake.wait_for(_is("chat.postMessage", thread_ts=parent_ts))
        header = report.args["blocks"][0]
        assert header["type"] == "header"
        assert "memory" in header["text"]["text"].lower()
        verdict = await slack.fake.wait_for(
            lambda c: c.method == "chat.update" and "confidence" in str(c.args.get("text"))
        )
        assert verdict.args["ts"] == parent_ts
        assert "payments-worker (prod)" in verdict.args["text"]
        assert "memory" in verdict.args["text"].lower()
        # every edit is of the parent, and the verdict is the last word
        updates = slack.fake.calls_to("chat.update")
        assert all(u.args["ts"] == parent_ts for u in updates)
        assert updates[-1] is verdict
        assert slack.fake.calls.index(report) < slack.fake.calls.index(verdict)

    async def test_unknown_service_gets_an_ephemeral_reply_with_closest_names(
        self, slack: SlackHarness
    ) -> None:
        status, _ = await slack.command("payment-worker")
        assert status == 200
        reply = await slack.fake.wait_for(_is("response_url"))
        assert reply.args["response_type"] == "ephemeral"
        assert "payments-worker" in reply.args["text"]
        await slack.runtime.idle()
        assert slack.posted() == []

    async def test_bad_syntax_says_what_would_work(self, slack: SlackHarness) -> None:
        await slack.command("payments-worker prod extra --now")
        reply = await slack.fake.wait_for(_is("response_url"))
        assert "Usage" in reply.args["text"]
        assert reply.args["response_type"] == "ephemeral"

    async def test_help_lists_usage_and_services(self, slack: SlackHarness) -> None:
        await slack.command("help")
        reply = await slack.fake.wait_for(_is("response_url"))
        assert "/diagnose SERVICE" in reply.args["text"]
        assert "orders-api" in reply.args["text"]

    async def test_channel_the_bot_is_not_in_gets_an_invite_hint(self, slack: SlackHarness) -> None:
        slack.fake.errors["chat.postMessage"] = "not_in_channel"
        await slack.command("orders-api")
        reply = await slack.fake.wait_for(_is("response_url"))
        assert "/invite @deploy-feedback" in reply.args["text"]
        assert reply.args["response_type"] == "ephemeral"

    async def test_unknown_environment_is_explained(self, slack: SlackHarness) -> None:
        await slack.command("payments-worker staging")
        reply = await slack.fake.wait_for(_is("response_url"))
        assert "staging" in reply.args["text"]
        assert "prod" in reply.args["text"]


class TestButtons:
    """Report buttons carry signed values: genuine ones work, forged or altered ones do not."""

    async def _report(self, slack: SlackHarness) -> tuple[str, dict[str, str]]:
        await slack.command("orders-api")
        parent = await slack.fake.wait_for(_is("chat.postMessage", channel="C0DEPLOYS"))
        parent_ts = _ts_of(slack.fake, parent)
        report = await slack.fake.wait_for(_is("chat.postMessage", thread_ts=parent_ts))
        actions = next(b for b in report.args["blocks"] if b["type"] == "actions")
        values = {e["action_id"]: e["value"] for e in actions["elements"]}
        await slack.runtime.idle()
        return parent_ts, values

    async def test_rerun_comprehensive_runs_in_the_thread(self, slack: SlackHarness) -> None:
        parent_ts, values = await self._report(slack)
        status, _ = await slack.click(
            "rerun_comprehensive", values["rerun_comprehensive"], thread_ts=parent_ts
        )
        assert status == 200
        progress = await slack.fake.wait_for(
            lambda c: c.method == "chat.postMessage" and "comprehensive" in str(c.args.get("text"))
        )
        assert progress.args["thread_ts"] == parent_ts
        await slack.runtime.idle()
        reports = [
            c for c in slack.posted() if c.args.get("blocks", [{}])[0].get("type") == "header"
        ]
        assert len(reports) == 2
        context = next(b for b in reports[1].args["blocks"] if b["type"] == "context")
        assert context["elements"][0]["text"].startswith("comprehensive diagnosis")

    async def test_forged_value_is_refused(self, slack: SlackHarness) -> None:
        await slack.click("rerun_comprehensive", "eyJzIjoib3JkZXJzLWFwaSJ9.forgedmac")
        reply = await slack.fake.wait_for(_is("response_url"))
        assert reply.args["text"].startswith("Refused")
        await slack.runtime.idle()
        assert slack.posted() == []

    async def test_altered_value_is_refused(self, slack: SlackHarness) -> None:
        _parent, values = await self._report(slack)
        before = len(slack.posted())
        payload, mac = values["rerun_comprehensive"].split(".")
        tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
        await slack.click("rerun_comprehensive", tampered, hook="tampered")
        reply = await slack.fake.wait_for(_is("response_url", hook="tampered"))
        assert reply.args["text"].startswith("Refused")
        await slack.runtime.idle()
        assert len(slack.posted()) == before

    async def test_value_used_in_another_channel_is_refused(self, slack: SlackHarness) -> None:
        _parent, values = await self._report(slack)
        await slack.click(
            "rerun_comprehensive", values["rerun_comprehensive"], channel="C0OTHER", hook="other"
        )
        reply = await slack.fake.wait_for(_is("response_url", hook="other"))
        assert "another channel" in reply.args["text"]

    async def test_show_full_evidence_uploads_a_file_in_the_thread(
        self, slack: SlackHarness
    ) -> None:
        parent_ts, values = await self._report(slack)
        await slack.click("show_evidence", values["show_evidence"], thread_ts=parent_ts)
        done = await slack.fake.wait_for(_is("files.completeUploadExternal"))
        assert done.args["thread_ts"] == parent_ts
        assert done.args["channel_id"] == "C0DEPLOYS"
        upload = slack.fake.calls_to("upload")[0]
        assert b"orders-api" in upload.body
        assert b"== events: ok" in upload.body

    async def test_evidence_upload_slack_refuses_is_explained(self, slack: SlackHarness) -> None:
        parent_ts, values = await self._report(slack)
        slack.fake.errors["files.getUploadURLExternal"] = "not_in_channel"
        await slack.click("show_evidence", values["show_evidence"], thread_ts=parent_ts)
        reply = await slack.fake.wait_for(_is("response_url"))
        assert "/invite @deploy-feedback" in reply.args["text"]
        assert reply.args["response_type"] == "ephemeral"

    async def test_feedback_is_counted_once_per_person(self, slack: SlackHarness) -> None:
        _parent, values = await self._report(slack)
        await slack.click("feedback_up", values["feedback_up"], hook="v1")
        await slack.fake.wait_for(_is("response_url", hook="v1"))
        await slack.click("feedback_up", values["feedback_up"], hook="v2")
        second = await slack.fake.wait_for(_is("response_url", hook="v2"))
        assert "(1 👍 / 0 👎)" in second.args["text"]
        await slack.click("feedback_down", values["feedback_down"], user="U0BOB", hook="v3")
        third = await slack.fake.wait_for(_is("response_url", hook="v3"))
        assert "(1 👍 / 1 👎)" in third.args["text"]


class TestRateLimits:
    """A 429 from Slack is retried after Retry-After (slack_sdk's rate-limit handler)."""

    async def test_report_survives_a_429(self, slack: SlackHarness) -> None:
        slack.fake.rate_limited["chat.postMessage"] = 1
        await slack.command("ledger")
        await slack.fake.wait_for(_is("chat.postMessage:429"))
        parent = await slack.fake.wait_for(_is("chat.postMessage", channel="C0DEPLOYS"))
        assert "ledger" in parent.args["text"]


Replicas = tuple[SlackHarness, SlackHarness]


@pytest.fixture
async def replicas(
    fake_slack: FakeSlack,
    k8s_diagnoser: Diagnoser,
    http: aiohttp.ClientSession,
    redis_url: str,
    redis_prefix: str,
) -> AsyncIterator[Replicas]:
    """Two app replicas sharing one Redis (own key prefix), one fake Slack and one sandbox."""
    started = [
        await start_harness(
            fake_slack, k8s_diagnoser, http, redis_url=redis_url, key_prefix=redis_prefix
        )
        for _ in range(2)
    ]
    yield started[0][0], started[1][0]
    for harness, runner in started:
        await harness.runtime.close()
        await runner.cleanup()


class TestWithRedis:
    """De-duplication and feedback shared through the real Redis (own key prefix)."""

    async def test_duplicate_event_ids_give_one_reply_across_replicas(
        self, replicas: Replicas, redis_prefix: str
    ) -> None:
        one, two = replicas
        event = _jenkins_failure("ledger-deploy-prod", ts="1700000100.000001")
        assert (await one.event(event, event_id="EvSAME1"))[0] == 200
        assert (await two.event(event, event_id="EvSAME1"))[0] == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert (await two.event(event, event_id="EvSAME1", headers=retry))[0] == 200
        await one.runtime.idle()
        await two.runtime.idle()
        parents = [c for c in one.posted() if c.args.get("thread_ts") == event["ts"]]
        assert len([c for c in parents if "Diagnosing" in c.args["text"]]) == 1
        keys = await one.runtime.redis.keys(redis_prefix + "event:*")  # type: ignore[union-attr]
        assert keys == [f"{redis_prefix}event:EvSAME1".encode()]

    async def test_full_evidence_is_served_by_another_replica(self, replicas: Replicas) -> None:
        one, two = replicas
        await one.command("orders-api")
        await one.runtime.idle()
        report = next(c for c in one.posted() if c.args.get("thread_ts"))
        actions = next(b for b in report.args["blocks"] if b["type"] == "actions")
        value = next(e["value"] for e in actions["elements"] if e["action_id"] == "show_evidence")
        await two.click("show_evidence", value, thread_ts=report.args["thread_ts"])
        await two.runtime.idle()
        upload = one.fake.calls_to("upload")
        assert len(upload) == 1
        assert b"orders-api" in upload[0].body
        assert two.runtime.reports == {}


def _ts_of(_fake: FakeSlack, call: SlackCall) -> str:
    """The ts the fake answered a chat.postMessage with."""
    return str(call.answer["ts"])


def _jenkins_failure(job: str, *, ts: str, status: str = "Failure") -> dict[str, object]:
    line = (
        f"{job} - #214 {status} after 3 min 41 sec (<https://jenkins.acme.io/job/{job}/214/|Open>)"
    )
    return {
        "type": "message",
        "channel": "C0DEPLOYS",
        "ts": ts,
        "text": "",
        "bot_id": "B07JENK1NS1",
        "attachments": [{"fallback": line, "color": "danger", "fields": [{"value": line}]}],
    }
