"""The shape every slash command and button shares: ack at once, work after, reply privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.runtime import Runtime

Work = Callable[
    [Runtime, AsyncWebClient, AsyncRespond, Mapping[str, Any]], Coroutine[Any, Any, None]
]
Listener = Callable[[AsyncAck, dict[str, Any], AsyncWebClient, AsyncRespond], Awaitable[None]]


def after_ack(runtime: Runtime, work: Work, *, name: str) -> Listener:
    """A Bolt listener that acks within Slack's 3 s and runs `work` on the request as a task."""

    # Bolt injects arguments by parameter name: these four names are the contract.
    async def listener(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        runtime.spawn(work(runtime, client, respond, body), name=name)

    return listener


async def tell(respond: AsyncRespond, text: str) -> None:
    """An "only you can see this" reply through the request's response_url."""
    await respond(text=text, response_type="ephemeral", replace_original=False)


def cannot_post(exc: SlackApiError, what: str = "the diagnosis") -> str:
    """Why the bot could not post `what`, and the fix (usually: invite it to the channel)."""
    error = str(exc.response.get("error", "unknown_error"))
    if error in {"not_in_channel", "channel_not_found", "is_archived"}:
        return f"I can't post in this channel ({error}). Invite me: `/invite @deploy-feedback`."
    return f"Slack refused my message ({error}); {what} was not posted."
