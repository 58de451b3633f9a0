"""One Kubernetes cluster connection: config loading, raw GETs, and error translation."""

from __future__ import annotations

import asyncio
import copy
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass

import aiohttp
from kubernetes_asyncio.client import (
    ApiClient,
    AppsV1Api,
    Configuration,
    CoreV1Api,
    CustomObjectsApi,
)
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config import ConfigException, load_incluster_config, load_kube_config

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

PROVIDER = "kubernetes"
IN_CLUSTER_SCOPE = "in-cluster"
_DEFAULT_KUBECONFIG = "~/.kube/config"

Send = Callable[[ApiClient], Awaitable[Any]]


class ResourceExpired(ProviderError):
    """410 Gone: the resourceVersion a watch resumes from is older than the server keeps."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer from the API server, before interpretation."""

    status: int
    body: bytes
    headers: Mapping[str, str]


class KubeCluster:
    """A lazily connected API client for one kubeconfig context (or the in-cluster account)."""

    def __init__(self, *, kubeconfig: Path | None, context: str | None, timeout_s: float) -> None:
        self._kubeconfig = kubeconfig
        self._context = context
        self.timeout_s = timeout_s
        self._client: ApiClient | None = None
        self._watch_client: ApiClient | None = None
        self._scope: str | None = None
        self._lock = asyncio.Lock()

    @property
    def known_scope(self) -> str | None:
        """The context name once connected (None before the first request)."""
        return self._scope

    async def scope(self) -> str:
        """The context (cluster) name: the unit a cache key and a rate limit count."""
        await self._connect()
        assert self._scope is not None
        return self._scope

    async def close(self) -> None:
        """Close the API client's connection pool, if one was opened."""
        clients = [c for c in (self._client, self._watch_client) if c is not None]
        self._client = self._watch_client = None
        for client in clients:
            await client.close()

    async def get(self, operation: str, send: Send) -> Reply:
        """Send one GET (built by `send` with `_preload_content=False`) and read its body."""
        client = await self._connect()
        try:
            async with asyncio.timeout(self.timeout_s):
                response: aiohttp.ClientResponse = await send(client)
                async with response:
                    body = await response.read()
                    return Reply(response.status, body, dict(response.headers))
        except TimeoutError as exc:
            raise ProviderTimeout(
                f"Kubernetes API {operation} timed out after {self.timeout_s:g}s",
                provider=PROVIDER,
                operation=operation,
            ) from exc
        except ApiException as exc:
            raw = exc.body.encode() if isinstance(exc.body, str) else (exc.body or b"")
            raise translate(
                operation, Reply(exc.status or 0, raw, dict(exc.headers or {}))
            ) from exc
        except aiohttp.ClientError as exc:
            raise _unreachable(operation, exc) from exc

    async def open(self, operation: str, send: Send) -> aiohttp.ClientResponse:
        """Start a streaming GET (a watch) on its own connection pool; its 2xx answer, unread.

        Only the wait for the answer's head is bounded by the request timeout; a
        non-2xx answer raises the matching ProviderError (410 Gone: ResourceExpired).
        """
        client = await self._streams()
        try:
            async with asyncio.timeout(self.timeout_s):
                response: aiohttp.ClientResponse = await send(client)
        except TimeoutError as exc:
            raise ProviderTimeout(
                f"Kubernetes API {operation} did not answer within {self.timeout_s:g}s",
                provider=PROVIDER,
                operation=operation,
            ) from exc
        except aiohttp.ClientError as exc:
            raise _unreachable(operation, exc) from exc
        if response.status < 300:
            return response
        async with response:
            reply = Reply(response.status, await response.read(), dict(response.headers))
        raise translate(operation, reply)

    async def get_json(self, operation: str, send: Send) -> Json:
        """A GET whose 2xx body is JSON; anything else raises the matching ProviderError."""
        reply = await self.get(operation, send)
        if reply.status >= 300:
            raise translate(operation, reply)
        return decode_json(operation, reply)

    def apps(self, client: ApiClient) -> AppsV1Api:
        """The apps/v1 API on `client`."""
        return AppsV1Api(client)

    def core(self, client: ApiClient) -> CoreV1Api:
        """The core/v1 API on `client`."""
        return CoreV1Api(client)

    def custom(self, client: ApiClient) -> CustomObjectsApi:
        """The custom-objects API on `client` (metrics.k8s.io)."""
        return CustomObjectsApi(client)

    async def _connect(self) -> ApiClient:
        async with self._lock:
            if self._client is None:
                config, self._scope = await self._load_config()
                config.proxy = config.proxy or env_proxy(config.host)
                self._client = _direct(ApiClient(configuration=config))
            return self._client

    async def _streams(self) -> ApiClient:
        """A second client for long-lived watches, so they never queue ordinary GETs."""
        await self._connect()
        async with self._lock:
            if self._watch_client is None:
                assert self._client is not None
                config = copy.copy(self._client.configuration)
                config.connection_pool_maxsize = 0  # aiohttp: no limit; one connection per watch
                self._watch_client = _direct(ApiClient(configuration=config))
            return self._watch_client

    async def _load_config(self) -> tuple[Configuration, str]:
        config = Configuration()
        if self._kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST"):
            try:
                load_incluster_config(client_configuration=config)  # type: ignore[no-untyped-call]
            except ConfigException as exc:
                raise ConfigError(f"In-cluster Kubernetes config unusable: {exc}") from exc
            return config, IN_CLUSTER_SCOPE
        paths = _kubeconfig_paths(self._kubeconfig)
        try:
            loader = await load_kube_config(
                config_file=paths,
                context=self._context,
                client_configuration=config,
                persist_config=False,
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise ConfigError(f"Cannot use kubeconfig {paths}: {exc}") from exc
        current: Any = loader.current_context
        return config, str(current["name"])


def _direct(client: ApiClient) -> ApiClient:
    """`client` without aiohttp's per-request look into the environment.

    kubernetes_asyncio opens its session with trust_env=True, with which aiohttp reads
    ~/.netrc in a worker thread before every request: under load, each GET pays a
    thread hop and a fight for the GIL. The one thing trust_env gave us, a proxy from
    HTTPS_PROXY/NO_PROXY, is resolved once when the client is made (env_proxy).
    """
    client.rest_client.pool_manager._trust_env = False
    return client


def env_proxy(server: str | None) -> str | None:
    """The proxy the environment names for `server` (HTTPS_PROXY & co., NO_PROXY honoured)."""
    parts = urlsplit(server or "")
    proxy = getproxies_environment().get(parts.scheme or "https")
    if not proxy or not parts.hostname or proxy_bypass(parts.hostname):
        return None
    return proxy


def _unreachable(operation: str, exc: aiohttp.ClientError) -> ProviderUnavailable:
    return ProviderUnavailable(
        f"Kubernetes API unreachable during {operation}: {exc}",
        provider=PROVIDER,
        operation=operation,
    )


def _kubeconfig_paths(configured: Path | None) -> str:
    """The kubeconfig file(s) to read: the setting, else $KUBECONFIG, else ~/.kube/config."""
    paths = str(configured) if configured else os.environ.get("KUBECONFIG") or _DEFAULT_KUBECONFIG
    # Read once per provider, before any client exists: a blocking stat is harmless here.
    if not any(os.path.isfile(os.path.expanduser(p)) for p in paths.split(os.pathsep) if p):
        raise ConfigError(f"No kubeconfig found at {paths} (set kubeconfig or KUBECONFIG)")
    return paths


def translate(operation: str, reply: Reply) -> ProviderError:
    """The ProviderError for a non-2xx answer, with the server's own message."""
    message = f"Kubernetes API {operation} failed: HTTP {reply.status}: {status_message(reply)}"
    kwargs: dict[str, Any] = {"provider": PROVIDER, "operation": operation}
    if reply.status == 404:
        return ProviderNotFound(message, **kwargs)
    if reply.status == 410:
        return ResourceExpired(message, **kwargs)
    if reply.status in (401, 403):
        return ProviderPermissionDenied(message, **kwargs)
    if reply.status == 429:
        return ProviderThrottled(message, retry_after_s=_retry_after(reply.headers), **kwargs)
    if reply.status >= 500:
        return ProviderUnavailable(message, **kwargs)
    return ProviderError(message, **kwargs)


def decode_json(operation: str, reply: Reply) -> Json:
    """The reply's JSON body (a ProviderError when it is not JSON)."""
    try:
        return json.loads(reply.body)
    except ValueError as exc:
        message = f"Kubernetes API {operation} answered non-JSON"
        raise ProviderError(message, provider=PROVIDER, operation=operation) from exc


def status_message(reply: Reply) -> str:
    """The `message` of a Kubernetes `Status` body, or the start of whatever came back."""
    text = reply.body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:200].strip() or "(empty body)"
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        return str(parsed["message"])
    return text[:200]


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
