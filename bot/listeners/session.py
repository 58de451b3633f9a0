"""One diagnosis in Slack: parent message, throttled live edits, threaded report, verdict."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from analysis.model import Diagnosis, DiagnosticRequest
from analysis.pipeline import Progress
from bot import metrics
from bot.listeners.runtime import Runtime
from bot.render.blocks import render_blocks
from bot.render.progress import ProgressView, render_failure, render_verdict
from providers.errors import DeployFeedbackError

log = logging.getLogger(__name__)


class ThrottledEditor:
    """Edits the parent message as components finish, at most once per `interval_s`."""

    def __init__(
        self, client: AsyncWebClient, channel: str, ts: str, view: ProgressView, interval_s: float
    ) -> None:
        self._client = client
        self._channel = channel
        self._ts = ts
        self._view = view
        self._interval_s = interval_s
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0
        self._inflight: asyncio.Future[None] | None = None
        self._stopped = False
        self.edits = 0

    async def on_progress(self, progress: Progress) -> None:
        """The pipeline's progress callback: fold the step in and schedule an edit."""
        self._view.apply(progress)
        self._dirty.set()
        if self._task is None and not self._stopped:
            self._task = asyncio.create_task(self._run(), name="slack-progress-edits")

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            wait = self._last + self._interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # Slack's rate limits, not synchronisation
            self._dirty.clear()
            self._last = time.monotonic()
            # shielded: stop() must not cut an edit mid-flight, or it could land after the verdict
            self._inflight = asyncio.ensure_future(self._edit())
            await asyncio.shield(self._inflight)

    async def _edit(self) -> None:
        try:
            await self._client.chat_update(
                channel=self._channel, ts=self._ts, **self._view.render()
            )
            self.edits += 1
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            # a lost progress edit is cosmetic; the final edit still comes
            log.warning("progress edit failed: %s", exc)

    async def stop(self) -> None:
        """Stop editing once any edit in flight has landed; the caller makes the final edit."""
        # a shared diagnosis can report progress after its requester has gone: start nothing then
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            # wait without awaiting its result: suppressing CancelledError here would also
            # swallow a cancellation of our own caller
            await asyncio.wait([self._task])
        if self._inflight is not None:
            await self._inflight


async def run_in_slack(
    runtime: Runtime,
    client: AsyncWebClient,
    request: DiagnosticRequest,
    *,
    channel: str,
    thread_ts: str | None = None,
) -> Diagnosis | None:
    """Post the parent (in `thread_ts` if given), diagnose, thread the report, set the verdict."""
    started = time.monotonic()
    target = request.target
    view = ProgressView(
        service=target.name,
        env=target.env,
        requested_by=request.requested_by,
        depth=request.depth,
        trigger=request.trigger,
    )
    parent = await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **view.render())
    parent_ts = str(parent["ts"])
    editor = ThrottledEditor(client, channel, parent_ts, view, runtime.update_interval_s)
    try:
        try:
            # the Diagnoser counts sessions and outcomes in bot.metrics itself
            diagnosis = await runtime.diagnoser.diagnose(request, on_progress=editor.on_progress)
        finally:  # cancelled too (drain, shutdown): the editor task must not outlive us
            await editor.stop()
    except (DeployFeedbackError, TimeoutError) as exc:
        reason = str(exc) or type(exc).__name__
        await client.chat_update(channel=channel, ts=parent_ts, **render_failure(view, reason))
        log.warning("diagnosis of %s failed: %s", target.name, reason)
        return None
    except Exception:
        await client.chat_update(
            channel=channel, ts=parent_ts, **render_failure(view, "internal error (logged)")
        )
        raise
    await post_report(runtime, client, diagnosis, channel=channel, thread_ts=thread_ts or parent_ts)
    elapsed = time.monotonic() - started
    metrics.observe_report_seconds(elapsed)
    await client.chat_update(channel=channel, ts=parent_ts, **render_verdict(diagnosis, elapsed))
    return diagnosis


async def post_report(
    runtime: Runtime, client: AsyncWebClient, diagnosis: Diagnosis, *, channel: str, thread_ts: str
) -> None:
    """Thread the report, its buttons signed for this channel and a report id kept for them."""
    report_id = uuid.uuid4().hex[:16]
    await runtime.keep_report(report_id, diagnosis)
    signer = runtime.signer.bind(c=channel, r=report_id)
    report = render_blocks(diagnosis, signer=signer)
    try:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **report)
    except SlackApiError as exc:
        # blocks Slack rejects must not lose the verdict: fall back to the plain-text summary
        log.error("report blocks refused (%s); posting the text only", exc.response.get("error"))
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=report["text"])
