"""`/diagnose SERVICE [ENV] [--comprehensive]` and `/diagnose help`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import decide, needs_groups
from bot.alerts import match_service
from bot.listeners.replies import after_ack, cannot_post, tell
from bot.listeners.runtime import Runtime
from bot.listeners.session import run_in_slack
from providers.errors import ConfigError, UnknownServiceError
from providers.model import Depth

USAGE = "`/diagnose SERVICE [ENV] [--comprehensive]` · `/diagnose help`"
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_FLAGS = {"--comprehensive": "comprehensive", "-c": "comprehensive", "--basic": "basic"}


@dataclass(frozen=True, slots=True)
class DiagnoseCommand:
    """A parsed `/diagnose` line."""

    service: str
    env: str | None = None
    depth: Depth = "basic"


def parse_command(text: str) -> DiagnoseCommand | None:
    """The command in `text`; None for help; ConfigError saying what is wrong otherwise."""
    words = text.split()
    if not words or words[0].lower() in {"help", "-h", "--help"}:
        return None
    depth: Depth = "basic"
    names: list[str] = []
    for word in words:
        if word.lower() in _FLAGS:
            depth = "comprehensive" if _FLAGS[word.lower()] == "comprehensive" else "basic"
        elif word.startswith("-"):
            raise ConfigError(f"Unknown option `{word[:40]}`.")
        elif not _TOKEN.match(word):
            raise ConfigError(f"`{word[:40]}` is not a service or environment name.")
        else:
            names.append(word)
    if len(names) > 2:
        raise ConfigError("Too many words: give a service and, optionally, an environment.")
    return DiagnoseCommand(names[0], names[1] if len(names) > 1 else None, depth)


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Listen for /diagnose."""
    app.command("/diagnose")(after_ack(runtime, handle, name="slash-diagnose"))


async def handle(
    runtime: Runtime, client: AsyncWebClient, respond: AsyncRespond, command: Mapping[str, Any]
) -> None:
    """Everything after the ack: validate, check access, run, or explain why not."""
    channel, user = str(command.get("channel_id", "")), str(command.get("user_id", ""))
    catalog = runtime.diagnoser.catalog
    try:
        parsed = parse_command(str(command.get("text", "")))
    except ConfigError as exc:
        await tell(respond, f"{exc}\nUsage: {USAGE}")
        return
    if parsed is None:
        names = ", ".join(f"`{n}`" for n in catalog.names()[:40])
        await tell(respond, f"Usage: {USAGE}\nServices: {names or 'none configured'}")
        return
    try:
        name = catalog.canonical(parsed.service)
    except UnknownServiceError as exc:
        await tell(respond, _unknown(exc, match_service(parsed.service, catalog)))
        return
    entry = catalog.entry(name)
    groups = await runtime.user_groups(client, user) if needs_groups(entry.access) else frozenset()
    decision = decide(
        entry.access,
        service=name,
        env=parsed.env or entry.env,
        channel=channel,
        user=user,
        user_groups=groups,
    )
    if not decision.allowed:
        await tell(respond, f"Not allowed: {decision.reason}")
        return
    try:
        request = runtime.diagnoser.request(
            name, parsed.env, depth=parsed.depth, trigger="slash", requested_by=user
        )
    except ConfigError as exc:
        await tell(respond, f"{exc}\nUsage: {USAGE}")
        return
    try:
        await run_in_slack(runtime, client, request, channel=channel)
    except SlackApiError as exc:
        await tell(respond, cannot_post(exc))


def _unknown(exc: UnknownServiceError, tolerant: str | None) -> str:
    closest = [tolerant] if tolerant else []
    closest += [s for s in exc.suggestions if s not in closest]
    hint = " Closest: " + ", ".join(f"`{s}`" for s in closest) + "." if closest else ""
    return f"I don't know a service called `{exc.name[:100]}`.{hint} `/diagnose help` lists them."
