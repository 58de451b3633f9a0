"""Runs diagnoses for people: resolves names, owns providers, gateway and engine, bounds work."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable
from datetime import timedelta

from analysis.model import DeployAlert, Diagnosis, DiagnosticRequest, Trigger
from analysis.pipeline import Analyzer, Progress, ProgressCallback, run_diagnosis
from bot import metrics
from bot.catalog import Catalog
from bot.settings import Settings
from providers.base import Provider
from providers.gateway import Gateway, LiveView
from providers.model import Depth, Platform
from providers.registry import ProviderSettings, create_provider
from providers.resilience.admission import Admission
from providers.resilience.clock import LoopClock
from providers.resilience.gateway import ResilientGateway
from providers.resilience.singleflight import LocalFlights
from providers.sandbox.runtime import CATALOG_PATH, Sandbox

log = logging.getLogger(__name__)


class Diagnoser:
    """One per process: the catalog, a provider per platform, the gateway and the engine."""

    def __init__(
        self,
        *,
        settings: Settings,
        catalog: Catalog,
        provider_settings: ProviderSettings,
        gateway: Gateway,
        analyzer: Analyzer,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.provider_settings = provider_settings
        self.gateway = gateway
        self.analyzer = analyzer
        self.sandbox = sandbox
        self._providers: dict[Platform, Provider] = {}
        self._admission = Admission(settings.max_concurrent)
        self._running = LocalFlights[Diagnosis](LoopClock())

    @classmethod
    async def start(
        cls, settings: Settings, *, platforms: Iterable[Platform] | None = None
    ) -> Diagnoser:
        """Load catalog and patterns; in sandbox mode start the emulators first."""
        from analysis.engine import Engine

        extra = [settings.patterns_dir] if settings.patterns_dir else []
        analyzer = Engine.load(extra)
        sandbox: Sandbox | None = None
        if settings.sandbox:
            catalog = Catalog.load(CATALOG_PATH)
            wanted = tuple(platforms) if platforms is not None else None
            sandbox = await (Sandbox.start(wanted) if wanted is not None else Sandbox.start())
            provider_settings = dataclasses.replace(
                sandbox.provider_settings(request_timeout_s=settings.request_timeout_s),
                kube_watch_namespaces=settings.kube_watch_namespaces,
                kube_watch_idle_s=settings.kube_watch_idle_s,
            )
        else:
            catalog = Catalog.load(settings.catalog)
            provider_settings = settings.provider_settings()
        return cls(
            settings=settings,
            catalog=catalog,
            provider_settings=provider_settings,
            gateway=build_gateway(settings),
            analyzer=analyzer,
            sandbox=sandbox,
        )

    def request(
        self,
        name: str,
        env: str | None = None,
        *,
        depth: Depth = "basic",
        trigger: Trigger = "cli",
        requested_by: str | None = None,
        alert: DeployAlert | None = None,
    ) -> DiagnosticRequest:
        """A request for a catalog service (UnknownServiceError lists the closest names)."""
        target = self.catalog.resolve(name, env)
        window = timedelta(minutes=self.settings.window_minutes)
        return DiagnosticRequest(target, depth, window, trigger, requested_by, alert)

    def provider(self, platform: Platform) -> Provider:
        """The provider for a platform, built on first use.

        A provider that keeps a live copy of what it reads (Kubernetes watches) is
        handed to the gateway, which asks it before any cache.
        """
        if platform not in self._providers:
            provider = create_provider(platform, self.provider_settings)
            if isinstance(provider, LiveView) and isinstance(self.gateway, ResilientGateway):
                self.gateway.live_views.append(provider)
            self._providers[platform] = provider
        return self._providers[platform]

    def budget_s(self, depth: Depth) -> float:
        """The collection budget for a depth (the seed's 10 s / 30 s by default)."""
        if depth == "comprehensive":
            return self.settings.comprehensive_budget_s
        return self.settings.basic_budget_s

    async def diagnose(
        self, request: DiagnosticRequest, *, on_progress: ProgressCallback | None = None
    ) -> Diagnosis:
        """Run one diagnosis once a slot is free (queued ones hear their position).

        Identical requests (same service, environment, depth and window) arriving
        while one runs share its result instead of running again: fifty people
        typing /diagnose on one broken service cost one diagnosis and one slot.
        The hard stop bounds the run itself, not the wait in the queue.
        """
        admission, running = self._admission, self._running

        async def queued(position: int) -> None:
            metrics.set_queue_depth(admission.queued)
            if on_progress is not None:
                await on_progress(Progress("queued", position=position))

        async def run() -> Diagnosis:
            provider = self.provider(request.target.platform)
            budget = min(self.budget_s(request.depth), self.settings.hard_stop_s)
            async with admission.slot(queued):
                metrics.set_queue_depth(admission.queued)
                with metrics.session():
                    async with asyncio.timeout(self.settings.hard_stop_s):
                        return await run_diagnosis(
                            request,
                            provider,
                            self.gateway,
                            self.analyzer,
                            budget_s=budget,
                            on_progress=on_progress,
                        )

        target = request.target
        key = f"{target.platform}:{target.name}:{target.env}:{request.depth}:{request.window}"
        try:
            diagnosis, joined = await running.run(key, run, deadline=None)
        except Exception:
            metrics.record_failed_diagnosis()
            raise
        if joined:  # the shared result, addressed to this requester
            diagnosis = dataclasses.replace(diagnosis, request=request)
        metrics.record_diagnosis(diagnosis)
        return diagnosis

    async def close(self) -> None:
        """End running diagnoses, close providers and the gateway, stop the sandbox."""
        # a diagnosis whose requester has gone (drained, queued at shutdown) must not go on
        # to call providers that are being closed under it
        await self._running.cancel_all()
        close_gateway = getattr(self.gateway, "close", None)
        if close_gateway is not None:
            await close_gateway()
        if isinstance(self.gateway, ResilientGateway):
            self.gateway.live_views.clear()
        for provider in self._providers.values():
            try:
                await provider.close()
            except Exception:  # closing is best effort; report which one failed
                log.warning("closing the %s provider failed", provider.platform, exc_info=True)
        self._providers.clear()
        if self.sandbox is not None:
            await self.sandbox.close()
            self.sandbox = None


def build_gateway(settings: Settings) -> Gateway:
    """The gateway every provider call passes through: cache, single-flight, limits, breakers."""
    from bot.metrics import PrometheusObserver
    from providers.resilience.gateway import ResilientGateway

    return ResilientGateway(
        redis_url=settings.redis_url,
        rate_limit=settings.rate_limit,
        observer=PrometheusObserver(),
    )
