"""aioboto3 clients for one provider: one per (service, region), reused, closed together."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import aioboto3
import botocore
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from providers.aws.parsing import ParserFactory
from providers.errors import (
    ConfigError,
    ProviderError,
    ProviderNotFound,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.gateway import Json
from providers.registry import ProviderSettings


def _user_agent() -> str:
    try:
        ours = metadata.version("deploy-feedback")
    except metadata.PackageNotFoundError:  # running from a source tree
        ours = "dev"
    return f"deploy-feedback/{ours} botocore/{botocore.__version__}"


USER_AGENT = _user_agent()
# Credentials that only ever go to a loopback endpoint (the sandbox's moto server): the
# user's real chain is never read, so no real key is signed into a request to a local port.
_LOOPBACK_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

_THROTTLED = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
}
_UNAVAILABLE = {
    "ServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServiceError",
}
_NOT_FOUND = {
    "ServiceNotFoundException",
    "ClusterNotFoundException",
    "ResourceNotFoundException",
    "TargetGroupNotFound",
    "LoadBalancerNotFound",
    "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound",
}
_DENIED = {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"}
# Credentials that are missing, expired or wrong: like a denial, the user must act.
_UNAUTHENTICATED = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
}


def session_for(profile: str | None, *, isolated: bool) -> aioboto3.Session:
    """The standard chain (env, profile, role), or, for the sandbox, none of the user's files."""
    # A loopback endpoint is the sandbox: AWS_PROFILE and the user's files play no part.
    blind = {
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    }
    core = AioSession(session_vars=blind if isolated else None)
    try:
        return aioboto3.Session(botocore_session=core, profile_name=profile)
    except ProfileNotFound as exc:
        raise ConfigError(f"AWS profile {profile!r} not found") from exc


def is_loopback(endpoint_url: str | None) -> bool:
    """Whether the endpoint is this machine (the sandbox), judged by its host name."""
    if not endpoint_url:
        return False
    host = urlsplit(endpoint_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AwsClients:
    """The provider's aioboto3 session and its clients, created on first use."""

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        self._loopback = is_loopback(settings.aws_endpoint_url) and not settings.aws_profile
        self._session = session_for(settings.aws_profile, isolated=self._loopback)
        # Answers are cached as JSON, so timestamps stay ISO strings instead of going through
        # dateutil to datetime and back (a fifth of the provider's CPU time per diagnosis).
        parsers = ParserFactory()
        parsers.set_parser_defaults(timestamp_parser=iso_timestamp)
        # JSON-protocol answers (ECS, Logs) skip botocore's per-value handler calls.
        self._session._session.register_component("response_parser_factory", parsers)
        timeout = settings.request_timeout_s
        self._config = AioConfig(
            connect_timeout=min(5.0, timeout),
            read_timeout=timeout,
            retries={"max_attempts": 1},  # our own retry layer retries, with a budget
            max_pool_connections=32,
            # A fixed User-Agent: botocore otherwise rebuilds and sanitises a 30-part
            # string on every request (~0.2 ms each, a tenth of a cold ECS diagnosis).
            user_agent=USER_AGENT,
        )
        self._stack = AsyncExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = asyncio.Lock()

    @property
    def scope_label(self) -> str:
        """Who we talk to, for cache keys and rate limits (the endpoint or the profile)."""
        if self.settings.aws_endpoint_url:
            return urlsplit(self.settings.aws_endpoint_url).netloc
        return f"profile={self.settings.aws_profile or 'default'}"

    async def client(self, service: str, region: str) -> Any:
        """The client for `service` in `region` (one per pair, reused)."""
        key = (service, region)
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        async with self._lock:
            if key not in self._clients:
                extra: dict[str, str] = dict(_LOOPBACK_KEYS) if self._loopback else {}
                made = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.settings.aws_endpoint_url,
                    config=self._config,
                    **extra,
                )
                self._clients[key] = await self._stack.enter_async_context(made)
            return self._clients[key]

    async def close(self) -> None:
        """Close every client."""
        self._clients.clear()
        await self._stack.aclose()


async def call_api(
    operation: str, fn: Callable[[], Awaitable[dict[str, Any]]], *, timeout_s: float
) -> Json:
    """Run one botocore call: errors become ours, the answer becomes JSON-shaped."""
    try:
        async with asyncio.timeout(timeout_s):
            answer = await fn()
    except TimeoutError as exc:
        raise ProviderTimeout(
            f"{operation} took longer than {timeout_s:g} s", **_who(operation)
        ) from exc
    except ClientError as exc:
        raise translate_client_error(operation, exc) from exc
    except (ConnectTimeoutError, ReadTimeoutError) as exc:
        raise ProviderTimeout(f"{operation}: {exc}", **_who(operation)) from exc
    except EndpointConnectionError as exc:
        raise ProviderUnavailable(f"{operation}: {exc}", **_who(operation)) from exc
    except NoCredentialsError as exc:
        raise ProviderPermissionDenied(
            f"{operation}: no AWS credentials found (env, profile or role)", **_who(operation)
        ) from exc
    except BotoCoreError as exc:
        raise ProviderUnavailable(f"{operation}: {exc}", **_who(operation)) from exc
    answer.pop("ResponseMetadata", None)
    return to_json(answer)


def translate_client_error(operation: str, exc: ClientError) -> ProviderError:
    """Map an AWS error code (and HTTP status) onto the project's error tree."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = f"{operation}: {code or 'error'}: {error.get('Message', '')}".rstrip(": ")
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    who = _who(operation)
    if code in _THROTTLED or status == 429:
        return ProviderThrottled(message, provider="aws", operation=operation)
    if code in _DENIED or code in _UNAUTHENTICATED or code.startswith("AccessDenied"):
        return ProviderPermissionDenied(message, **who)
    if code in _NOT_FOUND or code.endswith(".NotFound"):
        return ProviderNotFound(message, **who)
    if code in _UNAVAILABLE or status >= 500:
        return ProviderUnavailable(message, **who)
    return ProviderError(message, **who)


def iso_timestamp(value: str | float | int) -> str:
    """botocore's timestamp parser, replaced: epoch seconds or ISO text -> ISO text (UTC)."""
    if isinstance(value, int | float) or value.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(value), tz=UTC).isoformat()
    return value.replace("Z", "+00:00") if value.endswith("Z") else value


def to_json(value: Any) -> Json:
    """botocore answers may hold datetimes and bytes; the gateway caches JSON.

    An answer is a fresh JSON-shaped copy, as a JSON round trip would give it. Answers
    are nearly always plain JSON already (timestamps arrive as ISO text), so they are
    copied in one walk, at under half the CPU of the round trip; anything else
    (bytes, datetimes, tuples, keys that are not text) takes the round trip.
    """
    try:
        return _plain_copy(value)
    except _NotPlain:
        return json.loads(json.dumps(value, default=_encode))


class _NotPlain(Exception):
    """A value that JSON would have to convert."""


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_copy(value: Any) -> Json:
    kind = type(value)
    if kind is dict:
        out: dict[str, Json] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            out[key] = item if type(item) in _SCALARS else _plain_copy(item)
        return out
    if kind is list:
        return [item if type(item) in _SCALARS else _plain_copy(item) for item in value]
    if kind in _SCALARS:
        return value
    raise _NotPlain


def _encode(value: Any) -> Json:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON-shaped: {type(value).__name__}")


def _who(operation: str) -> dict[str, str]:
    return {"provider": "aws", "operation": operation}
