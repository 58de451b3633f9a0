"""Slack app over real HTTP: ack latency with 50 diagnoses running; command-to-report vs diagnosis.

The real Bolt app serves on loopback against the fake Slack Web API and the
Kubernetes sandbox (30 ms injected per API request). Provider-call caching is
off (max TTL 0) so every diagnosis makes its own calls and stays "running" for
its whole length; identical concurrent calls may still share one request.

1. Diagnosis alone: `Diagnoser.diagnose` for each service, sequentially.
2. Command to final report: a signed `/diagnose SERVICE` POST until the fake Slack
   records the verdict edit of its parent message (after the threaded report).
   Ratio = median(2) / median(1); target <= 1.2.
3. Ack latency (0.5 s injected per request now, so each diagnosis runs for a few
   seconds): a loader keeps 50 slash-command diagnoses in flight while signed
   `/diagnose help` probes are sent one after another; each probe's HTTP round trip
   is its ack latency. Target p99 < 100 ms. The client shares the app's event loop
   and process (pessimistic: its own work counts against the ack).

    .venv/bin/python -m benchmarks.slack [--probes 200] [--load 50] [--runs 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from benchmarks.harness import emit, percentile, round_ms, sandboxed_bot
from bot.app import build_bolt_app, build_web_app
from bot.diagnoser import Diagnoser
from bot.listeners.runtime import Runtime
from bot.settings import Settings
from providers.resilience.gateway import ResilientGateway
from providers.sandbox.slack import TEAM_ID, FakeSlack, SlackCall

SECRET = "bench-signing-secret"
LOAD_LATENCY_S = 0.5
SERVICES = ("payments-worker", "orders-api", "ledger", "search-indexer")


class Client:
    """Sends slash commands to the app, signed as Slack signs them."""

    def __init__(self, http: aiohttp.ClientSession, url: str, fake: FakeSlack) -> None:
        self.http, self.url, self.fake = http, url, fake
        self.verifier = SignatureVerifier(SECRET)

    async def command(self, text: str, channel: str) -> float:
        """POST one /diagnose; returns the HTTP round trip (the ack) in seconds."""
        body = urlencode(
            {
                "team_id": TEAM_ID,
                "channel_id": channel,
                "user_id": "U0BENCH",
                "command": "/diagnose",
                "text": text,
                "response_url": self.fake.response_url(channel),
                "trigger_id": uuid.uuid4().hex,
            }
        )
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": str(self.verifier.generate_signature(timestamp=ts, body=body)),
        }
        started = time.perf_counter()
        async with self.http.post(self.url, data=body, headers=headers) as response:
            await response.read()
            assert response.status == 200, response.status
        return time.perf_counter() - started


def _verdict_in(channel: str) -> Callable[[SlackCall], bool]:
    def match(call: SlackCall) -> bool:
        return (
            call.method == "chat.update"
            and call.args.get("channel") == channel
            and "full report in the thread" in str(call.args.get("text"))
        )

    return match


async def diagnosis_alone(bot: Diagnoser, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        request = bot.request(SERVICES[i % len(SERVICES)], trigger="slash")
        started = time.perf_counter()
        await bot.diagnose(request)
        times.append(time.perf_counter() - started)
    return times


async def command_to_report(client: Client, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        channel = f"CREPORT{i}"
        started = time.monotonic()
        await client.command(SERVICES[i % len(SERVICES)], channel)
        verdict = await client.fake.wait_for(_verdict_in(channel), within=30)
        times.append(verdict.at - started)
    return times


async def acks_under_load(
    client: Client, runtime: Runtime, probes: int, load: int
) -> tuple[list[float], list[int]]:
    stop, full = asyncio.Event(), asyncio.Event()

    def running() -> int:
        return sum(t.get_name() == "slash-diagnose" for t in runtime.tasks)

    async def loader() -> None:
        n = 0
        while not stop.is_set():
            if running() < load:
                n += 1
                await client.command(SERVICES[n % len(SERVICES)], f"CLOAD{n % 20}")
            else:
                full.set()
                await asyncio.sleep(0.002)  # pacing the loader, not synchronisation

    loaders = [asyncio.create_task(loader()) for _ in range(4)]
    await full.wait()
    acks, in_flight = [], []
    for i in range(probes):
        in_flight.append(running())
        acks.append(await client.command("help", f"CPROBE{i % 10}"))
    stop.set()
    await asyncio.gather(*loaders)
    await runtime.drain()
    return acks, in_flight


async def main(probes: int, load: int, runs: int) -> None:
    fake = await FakeSlack.start()
    async with sandboxed_bot(
        platforms=["kubernetes"], rate_limit="1000000/minute", max_concurrent=1000
    ) as bot:
        assert isinstance(bot.gateway, ResilientGateway)
        await bot.gateway.close()
        bot.gateway = ResilientGateway(rate_limit="1000000/minute", max_ttl_s=0.0)
        settings = Settings(
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
            redis_url=None,
            watch_channels=[],
        )
        runtime = Runtime.create(settings, bot)
        runner = web.AppRunner(build_web_app(build_bolt_app(runtime), runtime), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        try:
            async with aiohttp.ClientSession() as http:
                client = Client(http, url, fake)
                await diagnosis_alone(bot, len(SERVICES))  # warm clients and patterns
                await command_to_report(client, 2)
                alone = await diagnosis_alone(bot, runs)
                reported = await command_to_report(client, runs)
                fake.reset()
                # slower platform calls during the ack phase keep each diagnosis running longer,
                # so 50 stay in flight without a flood of new commands
                assert bot.sandbox is not None
                bot.sandbox.faults.set("kubernetes", latency_s=LOAD_LATENCY_S)
                acks, in_flight = await acks_under_load(client, runtime, probes, load)
        finally:
            await runtime.close()
            await runner.cleanup()
            await bot.gateway.close()
            await fake.close()
    ratio = statistics.median(reported) / statistics.median(alone)
    p99 = percentile(acks, 99)
    emit(
        "slack",
        ack_ms_p50=round_ms(percentile(acks, 50)),
        ack_ms_p99=round_ms(p99),
        ack_ms_max=round_ms(max(acks)),
        ack_probes=len(acks),
        diagnoses_in_flight_min=min(in_flight),
        diagnoses_in_flight_median=statistics.median(in_flight),
        probes_with_load_in_flight=round(sum(n >= load for n in in_flight) / len(in_flight), 3),
        diagnosis_alone_ms_median=round_ms(statistics.median(alone)),
        command_to_report_ms_median=round_ms(statistics.median(reported)),
        report_over_diagnosis=round(ratio, 3),
        runs=runs,
        target_ack_p99_ms=100,
        target_report_ratio=1.2,
        met=p99 < 0.1 and ratio <= 1.2,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--load", type=int, default=50)
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    asyncio.run(main(args.probes, args.load, args.runs))
