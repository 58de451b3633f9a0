"""The Slack app: Bolt listeners and middleware, the HTTP endpoints beside them, and `serve`."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.diagnoser import Diagnoser
from bot.listeners import actions, commands, messages
from bot.listeners.runtime import Runtime
from bot.middleware import CorrelationFilter, EventGate
from bot.process import tune_gc
from bot.scheduler import Scheduler
from bot.settings import Settings
from providers.errors import ConfigError

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3


def build_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL, and 429s retried after Slack's Retry-After."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def build_bolt_app(runtime: Runtime) -> AsyncApp:
    """Bolt with our middleware and every listener registered."""
    settings = runtime.settings
    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set")
    verify = bool(settings.slack_signing_secret)
    if not verify and not settings.slack_app_token:
        raise ConfigError("SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN)")
    app = AsyncApp(
        client=build_client(settings),
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=verify,
        process_before_response=False,
    )
    app.use(EventGate(runtime.gate, accepted=runtime.message_accepted))
    commands.register(app, runtime)
    actions.register(app, runtime)
    messages.register(app, runtime)
    return app


def build_web_app(bolt: AsyncApp | None, runtime: Runtime) -> web.Application:
    """`/slack/events` (HTTP mode) beside bot.metrics' `/healthz`, `/readyz` and `/metrics`."""

    async def events(request: web.Request) -> web.Response:
        assert bolt is not None
        bolt_request = await to_bolt_request(request)
        response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    app = web.Application()
    if bolt is not None:
        app.router.add_post("/slack/events", events)
    metrics.add_routes(app, ready=lambda: runtime.ready)
    return app


async def serve(settings: Settings) -> None:
    """Run the app until cancelled: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(CorrelationFilter())
    diagnoser = await Diagnoser.start(settings)
    tune_gc()
    try:
        await run(settings, diagnoser)
    finally:
        await diagnoser.close()  # closes the gateway's Redis connection too


async def run(settings: Settings, diagnoser: Diagnoser, *, host: str = "0.0.0.0") -> None:
    """Serve Slack with an already started diagnoser until cancelled."""
    runtime = Runtime.create(settings, diagnoser)
    runtime.scheduler = Scheduler(diagnoser)
    runner: web.AppRunner | None = None
    socket = None
    try:
        runtime.scheduler.start()
        bolt = build_bolt_app(runtime)
        socket_mode = bool(settings.slack_app_token)
        runner = web.AppRunner(build_web_app(None if socket_mode else bolt, runtime))
        await runner.setup()
        await web.TCPSite(runner, host, settings.port).start()
        if socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket = AsyncSocketModeHandler(bolt, settings.slack_app_token)
            await socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack over Socket Mode; health on port %s", settings.port)
        else:
            log.info("listening for Slack on http://%s:%s/slack/events", host, settings.port)
        runtime.ready = True
        await asyncio.Event().wait()
    finally:
        runtime.ready = False
        runtime.scheduler.shutdown()
        if socket is not None:
            await socket.close_async()  # type: ignore[no-untyped-call]
        if runner is not None:
            await runner.cleanup()
        await runtime.close()
