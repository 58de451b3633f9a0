"""A fake Slack Web API on loopback that records every call (tests, demo and benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_USER_ID = "UDEPLOYBOT"
BOT_ID = "BDEPLOYBOT"
TEAM_ID = "T0SANDBOX"


@dataclass(frozen=True, slots=True)
class SlackCall:
    """One request the fake received: a Web API method, an upload or a response_url post."""

    method: str
    args: Mapping[str, Any]
    at: float
    body: bytes = b""
    answer: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class FakeSlack:
    """Answers the Web API methods the bot uses; `wait_for` replaces sleeps in tests."""

    calls: list[SlackCall] = field(default_factory=list)
    rate_limited: dict[str, int] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # method -> Slack error to answer
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _files: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def start(cls, host: str = "127.0.0.1", port: int = 0) -> FakeSlack:
        """Serve on `host:port` (0 = an ephemeral port)."""
        fake = cls()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", fake._api)
        app.router.add_get("/api/{method}", fake._api)  # slack_sdk GETs some methods
        app.router.add_post("/upload/{file_id}", fake._upload)
        app.router.add_post("/response/{hook}", fake._response_url)
        app.router.add_get("/socket", fake._socket)
        fake._runner = web.AppRunner(app, access_log=None)
        await fake._runner.setup()
        site = web.TCPSite(fake._runner, host, port)
        await site.start()
        fake._port = _bound_port(site)
        return fake

    @property
    def base_url(self) -> str:
        """What `AsyncWebClient(base_url=...)` / SLACK_API_URL should be."""
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, hook: str = "1") -> str:
        """A `response_url` to put in a slash command or interaction payload."""
        return f"http://127.0.0.1:{self._port}/response/{hook}"

    def calls_to(self, method: str) -> list[SlackCall]:
        """Recorded calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, predicate: Callable[[SlackCall], bool], within: float = 10.0
    ) -> SlackCall:
        """The first recorded call (past or future) that satisfies `predicate`."""
        async with asyncio.timeout(within), self._changed:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                await self._changed.wait()

    async def wait_for_count(
        self, predicate: Callable[[SlackCall], bool], count: int, within: float = 10.0
    ) -> list[SlackCall]:
        """Wait until at least `count` recorded calls satisfy `predicate`."""
        async with asyncio.timeout(within), self._changed:
            while True:
                matched = [c for c in self.calls if predicate(c)]
                if len(matched) >= count:
                    return matched
                await self._changed.wait()

    def reset(self) -> None:
        """Forget every recorded call."""
        self.calls.clear()

    async def socket_send(self, envelope: Mapping[str, Any]) -> None:
        """Deliver a Socket Mode envelope (slash_commands, interactive, events_api) to clients."""
        for ws in self._sockets:
            await ws.send_json(dict(envelope))

    async def close(self) -> None:
        """Stop serving."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _record(self, call: SlackCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            await self._record(SlackCall(f"{method}:429", args, time.monotonic()))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
            )
        error = self.errors.get(method)
        answer = {"ok": False, "error": error} if error else self._answer(method, args)
        await self._record(SlackCall(method, args, time.monotonic(), answer=answer))
        return web.json_response(answer)

    def _answer(self, method: str, args: Mapping[str, Any]) -> dict[str, Any]:
        answer = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "usergroups.list": self._usergroups,
            "apps.connections.open": self._connections_open,
        }.get(method)
        return answer(args) if answer else {"ok": False, "error": "unknown_method"}

    def _auth_test(self, _args: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://sandbox.slack.com/",
            "team": "sandbox",
            "user": "deploy-feedback",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _post_message(self, args: Mapping[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {"type": "message", "ts": ts, "text": args.get("text", "")}
        return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}

    def _update(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _post_ephemeral(self, _args: Mapping[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _upload_url(self, _args: Mapping[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._files):08d}"
        url = f"http://127.0.0.1:{self._port}/upload/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _complete_upload(self, args: Mapping[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        listed = json.loads(files) if isinstance(files, str) else files or []
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in listed]}

    def _connections_open(self, _args: Mapping[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"}

    def _usergroups(self, _args: Mapping[str, Any]) -> dict[str, Any]:
        groups = [{"id": gid, "users": list(users)} for gid, users in self.usergroups.items()]
        return {"ok": True, "usergroups": groups}

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        file_id = request.match_info["file_id"]
        await self._record(SlackCall("upload", {"file_id": file_id}, time.monotonic(), body))
        return web.Response(text=f"OK - {len(body)}")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every acknowledgement the app sends back."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._record(SlackCall("socket_connect", {}, time.monotonic()))
        await ws.send_json({"type": "hello", "num_connections": 1})
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._record(SlackCall("socket_ack", message.json(), time.monotonic()))
        finally:
            self._sockets.remove(ws)
        return ws

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await _read_args(request)
        hook = request.match_info["hook"]
        await self._record(SlackCall("response_url", {"hook": hook, **args}, time.monotonic()))
        return web.Response(text="ok")


def _bound_port(site: web.TCPSite) -> int:
    server: Any = site._server  # aiohttp exposes the bound port only on the asyncio server
    port: int = server.sockets[0].getsockname()[1]
    return port


async def _read_args(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if request.content_type == "application/json":
        loaded = json.loads(raw or b"{}")
        return dict(loaded) if isinstance(loaded, dict) else {"_": loaded}
    args: dict[str, Any] = dict(request.query)
    args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key in ("blocks", "attachments"):
        if isinstance(args.get(key), str):
            # malformed JSON stays as sent, so a test can see what arrived
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args
