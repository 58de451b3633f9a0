"""A loopback reverse proxy in front of moto that injects latency, throttling and 5xx answers."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web

from providers.sandbox.faults import Faults, Outcome

# X-Amz-Target prefix / SigV4 signing name -> IAM action prefix (what Faults rules name)
_TARGETS = {"AmazonEC2ContainerServiceV20141113": "ecs", "Logs_20140328": "logs"}
_SIGNING = {"monitoring": "cloudwatch"}
_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}

# protocol -> outcome -> (HTTP status, AWS error code)
_ERRORS: dict[str, dict[str, tuple[int, str]]] = {
    "json": {
        "throttle": (400, "ThrottlingException"),
        "error": (500, "ServerException"),
        "down": (503, "ServiceUnavailableException"),
    },
    "ec2": {
        "throttle": (503, "RequestLimitExceeded"),
        "error": (500, "InternalError"),
        "down": (503, "Unavailable"),
    },
    "query": {
        "throttle": (400, "Throttling"),
        "error": (500, "InternalFailure"),
        "down": (503, "ServiceUnavailable"),
    },
}
_MESSAGES = {"throttle": "Rate exceeded", "error": "Internal error", "down": "Unavailable"}
# Operations that only read state: their answers may be reused (Faults.memo).
_READS = ("Describe", "List", "Get", "BatchGet", "Filter")


def operation_of(headers: Any, body: bytes) -> tuple[str, str]:
    """('ecs:DescribeServices', wire protocol) from a signed AWS request."""
    target = headers.get("X-Amz-Target", "")
    if target:
        prefix, _, op = target.partition(".")
        return f"{_TARGETS.get(prefix, prefix)}:{op}", "json"
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", ["Unknown"])[0]
    scope = headers.get("Authorization", "").partition("Credential=")[2].split("/")
    service = _SIGNING.get(scope[3], scope[3]) if len(scope) > 3 else "unknown"
    return f"{service}:{action}", "ec2" if service == "ec2" else "query"


def _credential_scope(authorization: str) -> str:
    """`<key>/<region>/<service>` from a SigV4 Authorization header (no date, no signature)."""
    parts = authorization.partition("Credential=")[2].split(",", 1)[0].split("/")
    return "/".join(parts[i] for i in (0, 2, 3) if i < len(parts))


def error_response(outcome: Outcome, protocol: str) -> web.Response:
    """Throttling, a 5xx, or an outage, in the wire format the client expects."""
    status, code = _ERRORS[protocol][outcome]
    message = _MESSAGES[outcome]
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "json":
        return web.json_response(
            {"__type": code, "message": message},
            status=status,
            content_type="application/x-amz-json-1.1",
            headers=headers,
        )
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        )
    else:
        kind = "Sender" if outcome == "throttle" else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        )
    return web.Response(status=status, text=body, content_type="text/xml", headers=headers)


async def start_proxy(
    faults: Faults, upstream: str, session: aiohttp.ClientSession
) -> tuple[web.AppRunner, str]:
    """Serve on 127.0.0.1:0; every AWS call asks `faults` first, then goes to `upstream`."""

    memo = faults.memo

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        key: tuple[object, ...] | None = None
        generation = 0
        if request.path.startswith("/moto-api"):
            memo.clear()  # moto's own API resets or changes state
        else:
            operation, protocol = operation_of(request.headers, body)
            outcome = await faults.apply("aws", operation)
            if outcome != "ok":
                return error_response(outcome, protocol)
            if operation.partition(":")[2].startswith(_READS):
                # The signature and its date differ per call; the request does not. The
                # credential scope names the account key, region and service.
                target = request.headers.get("X-Amz-Target", "")
                scope = _credential_scope(request.headers.get("Authorization", ""))
                key = ("aws", request.method, request.path_qs, target, scope, body)
                generation = memo.generation
                stored = memo.get(key)
                if stored is not None:
                    status, payload, out = stored
                    faults.record_bytes("aws", len(payload))
                    return web.Response(status=status, body=payload, headers=out)
            else:
                memo.clear()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with session.request(
            request.method, upstream + request.path_qs, headers=headers, data=body
        ) as answer:
            payload = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
        if key is not None and answer.status == 200:
            memo.put(
                key, (answer.status, payload, out), len(payload) + len(body), generation=generation
            )
        elif key is None:
            memo.clear()  # again once the write is done: reads that raced it are void
        faults.record_bytes("aws", len(payload))
        return web.Response(status=answer.status, body=payload, headers=out)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"
