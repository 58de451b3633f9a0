"""The watch cache over real sockets: the sandbox's watch wire format, informers, the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from kubernetes_asyncio.client import ApiClient, Configuration, CoreV1Api
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config import load_kube_config
from kubernetes_asyncio.watch import Watch

from providers.errors import ProviderError
from providers.gateway import DirectGateway
from providers.kubernetes import KubernetesProvider
from providers.kubernetes.informer import Informer, WatchPolicy
from providers.kubernetes.live import NAMESPACED, NODES, PODS, REPLICA_SETS, LivePolicy
from providers.resilience.breaker import BreakerPolicy
from providers.resilience.gateway import ResilientGateway
from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes import KubernetesEmulator
from providers.sandbox.kubernetes.rollouts import restart_container, start_rollout
from tests.providers.kubernetes.k8s_support import NAMESPACES, run_component
from tests.providers.resilience.doubles import ManualClock

CONTEXT = "sandbox"
COMPONENTS = ("status", "pods", "events", "nodes", "logs")


def _ready(informer: Informer) -> bool:
    return informer.ready


async def watched(provider: KubernetesProvider, namespace: str) -> list[Informer]:
    """The namespace's informers (and the nodes one), once every one of them is ready."""
    live = provider.live_cluster(CONTEXT)
    assert live is not None
    informers = [live.informer(namespace, kind) for kind in NAMESPACED] + [
        live.informer(None, NODES)
    ]
    assert all(i is not None for i in informers)
    async with asyncio.timeout(10):
        for informer in informers:
            assert informer is not None
            await informer.wait_for(_ready)
    return [i for i in informers if i is not None]


@pytest.fixture
def live_provider(k8s_provider: KubernetesProvider) -> KubernetesProvider:
    return k8s_provider


@pytest.fixture
async def gateway(live_provider: KubernetesProvider) -> AsyncIterator[ResilientGateway]:
    gateway = ResilientGateway(rate_limit="10000/minute")
    gateway.live_views.append(live_provider)
    yield gateway
    await gateway.close()


class TestSandboxWatchWireFormat:
    """`?watch=true` speaks the API server's format, read by kubernetes_asyncio's own Watch."""

    @pytest.fixture
    async def core(self, k8s_sandbox: KubernetesEmulator) -> AsyncIterator[CoreV1Api]:
        config = Configuration()
        await load_kube_config(config_file=str(k8s_sandbox.kubeconfig), client_configuration=config)
        async with ApiClient(config) as client:
            yield CoreV1Api(client)

    async def test_current_objects_come_first_then_changes_with_resource_versions(
        self, core: CoreV1Api, k8s_sandbox: KubernetesEmulator
    ) -> None:
        state = k8s_sandbox.state
        pod = state.of_kind("Pod", "payments")[0]["metadata"]["name"]
        seen: list[tuple[str, str, str]] = []
        async with Watch() as watch:
            async for event in watch.stream(
                core.list_namespaced_pod, "payments", timeout_seconds=5
            ):
                meta = event["raw_object"]["metadata"]
                seen.append((event["type"], meta["name"], meta["resourceVersion"]))
                if len(seen) == len(state.of_kind("Pod", "payments")):
                    restart_container(state, "payments", pod)
                if event["type"] == "MODIFIED":
                    break
        assert {t for t, _, _ in seen[:-1]} == {"ADDED"}
        assert seen[-1][:2] == ("MODIFIED", pod)
        assert seen[-1][2] == str(state.revision)

    async def test_an_expired_resource_version_gets_410_gone(
        self, core: CoreV1Api, k8s_sandbox: KubernetesEmulator
    ) -> None:
        old = k8s_sandbox.state.revision
        pod = k8s_sandbox.state.of_kind("Pod", "payments")[0]["metadata"]["name"]
        restart_container(k8s_sandbox.state, "payments", pod)
        k8s_sandbox.state.compact()

        async def follow() -> None:
            async with Watch() as watch:
                async for _ in watch.stream(
                    core.list_namespaced_pod, "payments", resource_version=str(old - 1),
                    timeout_seconds=5,
                ):  # fmt: skip
                    pass

        with pytest.raises(ApiException) as raised:
            await follow()
        assert raised.value.status == 410

    async def test_a_bookmark_carries_the_resource_version_when_the_watch_times_out(
        self, core: CoreV1Api, k8s_sandbox: KubernetesEmulator
    ) -> None:
        now = str(k8s_sandbox.state.revision)
        async with Watch() as watch:
            events = [
                e
                async for e in watch.stream(
                    core.list_namespaced_pod, "payments", resource_version=now,
                    allow_watch_bookmarks=True, timeout_seconds=1,
                )
            ]  # fmt: skip
        assert [e["type"] for e in events] == ["BOOKMARK"]
        assert events[0]["raw_object"]["metadata"]["resourceVersion"] == now

    async def test_an_outage_drops_open_watches_and_refuses_new_ones_until_lifted(
        self, core: CoreV1Api, k8s_sandbox: KubernetesEmulator, k8s_faults: Faults
    ) -> None:
        pods = len(k8s_sandbox.state.of_kind("Pod", "payments"))
        seen: list[str] = []

        async def follow() -> None:
            async with Watch() as watch:
                async for event in watch.stream(
                    core.list_namespaced_pod, "payments", timeout_seconds=30
                ):
                    seen.append(event["type"])
                    if len(seen) == pods:  # the stream is open and idle: take the server away
                        k8s_faults.set("kubernetes", down=True)

        async with asyncio.timeout(5):  # not the 30 s of the watch: dropped at once
            with pytest.raises(aiohttp.ClientPayloadError):  # no final chunk: a broken stream
                await follow()
        assert seen == ["ADDED"] * pods
        with pytest.raises(ApiException) as refused:
            await _watch_types(core, "payments")
        assert refused.value.status == 503
        k8s_faults.clear()
        assert await _watch_types(core, "payments") == ["ADDED"] * pods


class TestAnswersFromTheWatch:
    """Once synced, the watch cache answers exactly what a fresh request would."""

    @pytest.mark.parametrize("service", sorted(NAMESPACES))
    async def test_a_diagnosis_from_the_watch_equals_one_from_the_api(
        self, live_provider: KubernetesProvider, gateway: ResilientGateway, service: str
    ) -> None:
        await run_component(live_provider, service, "status", gateway=gateway)
        await watched(live_provider, NAMESPACES[service])
        gateway.l1.clear()
        gateway.stats.clear()
        for component in COMPONENTS:
            live = await run_component(live_provider, service, component, gateway=gateway)
            fresh = await run_component(live_provider, service, component, gateway=DirectGateway())
            assert live.evidence == fresh.evidence, component
            assert live.notes == fresh.notes, component
        assert gateway.stats["watch"] > 0
        # everything that reached the API was a log or a metric: the watch has no such kind
        assert gateway.stats["miss"] <= gateway.stats["attempts"]

    async def test_a_new_rollout_is_seen_at_once_not_after_the_status_ttl(
        self,
        live_provider: KubernetesProvider,
        gateway: ResilientGateway,
        k8s_sandbox: KubernetesEmulator,
    ) -> None:
        before = await run_component(live_provider, "payments-worker", "status", gateway=gateway)
        informers = await watched(live_provider, "payments")
        created = start_rollout(k8s_sandbox.state, "payments", "payments-worker")
        name = created["metadata"]["name"]
        replica_sets = next(i for i in informers if i.kind is REPLICA_SETS)
        async with asyncio.timeout(5):
            await replica_sets.wait_for(lambda i: i.get(name) is not None)
        after = await run_component(live_provider, "payments-worker", "status", gateway=gateway)
        revision = created["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        assert f"revision {revision}" in after.texts()[0]
        assert f"revision {revision}" not in before.texts()[0]
        assert any(t.startswith(f"replicaset/{name} (newest") for t in after.texts())

    async def test_a_pod_restart_reaches_the_answers_through_the_watch(
        self,
        live_provider: KubernetesProvider,
        gateway: ResilientGateway,
        k8s_sandbox: KubernetesEmulator,
    ) -> None:
        await run_component(live_provider, "ledger", "pods", gateway=gateway)
        pods = next(i for i in await watched(live_provider, "finance") if i.kind is PODS)
        pod = restart_container(k8s_sandbox.state, "finance", pods.items()[0]["metadata"]["name"])
        version = pod["metadata"]["resourceVersion"]
        async with asyncio.timeout(5):
            await pods.wait_for(
                lambda i: i.get(pod["metadata"]["name"])["metadata"]["resourceVersion"] == version  # type: ignore[index]
            )
        live = await run_component(live_provider, "ledger", "pods", gateway=gateway)
        fresh = await run_component(live_provider, "ledger", "pods", gateway=DirectGateway())
        assert live.evidence == fresh.evidence


class TestRecovery:
    """Expired history means a new list; a broken watch means the ordinary path meanwhile."""

    async def test_410_gone_after_a_reconnect_relists(
        self,
        live_provider: KubernetesProvider,
        gateway: ResilientGateway,
        k8s_sandbox: KubernetesEmulator,
    ) -> None:
        await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
        pods = next(i for i in await watched(live_provider, "payments") if i.kind is PODS)
        state = k8s_sandbox.state
        node = state.of_kind("Node")[0]["metadata"]["name"]
        state.modify("Node", None, node, lambda n: n["metadata"].update(labels={"x": "y"}))
        state.compact()  # the pods informer's resourceVersion is now older than the history
        state.end_watches()
        async with asyncio.timeout(10):
            await pods.wait_for(lambda i: i.lists == 2 and i.ready)
        live = await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
        fresh = await run_component(
            live_provider, "payments-worker", "pods", gateway=DirectGateway()
        )
        assert live.evidence == fresh.evidence

    async def test_reads_fall_back_while_the_watch_fails_and_the_breaker_hears_it(
        self,
        live_provider: KubernetesProvider,
        gateway: ResilientGateway,
        k8s_faults: Faults,
    ) -> None:
        k8s_faults.set("kubernetes", "watch_pods", down=True)
        live_provider.live_policy = LivePolicy(
            watch=WatchPolicy(backoff_s=0.01, max_backoff_s=0.02)
        )
        await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
        live = live_provider.live_cluster(CONTEXT)
        assert live is not None
        pods = live.informer("payments", PODS)
        assert pods is not None
        async with asyncio.timeout(10):
            await _until(lambda: gateway.breaker_states().get("kubernetes:watch_pods") == "open")
        assert not pods.ready
        gateway.l1.clear()
        misses = gateway.stats["miss"]
        result = await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
        assert result.evidence
        assert gateway.stats["miss"] > misses  # answered by the API, not by a broken watch

    async def test_an_api_server_outage_ends_the_watches_and_reads_fail_until_they_resync(
        self,
        live_provider: KubernetesProvider,
        k8s_sandbox: KubernetesEmulator,
        k8s_faults: Faults,
    ) -> None:
        gateway = _watching_gateway(live_provider, backoff_s=0.01, max_backoff_s=0.05)
        try:
            await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
            informers = await watched(live_provider, "payments")
            pods = next(i for i in informers if i.kind is PODS)
            opened = {str(i): i.watches for i in informers}

            k8s_faults.set("kubernetes", down=True)  # the API server is unreachable
            async with asyncio.timeout(5):
                await _until(lambda: not any(i.ready for i in informers))
            name = pods.items()[0]["metadata"]["name"]
            changed = restart_container(k8s_sandbox.state, "payments", name)  # while away
            gateway.l1.clear()
            answered = gateway.stats["watch"]
            for component in ("status", "pods", "events"):
                with pytest.raises(ProviderError):  # the API path, which fails: reported
                    await run_component(live_provider, "payments-worker", component,
                                        gateway=gateway)  # fmt: skip
            assert gateway.stats["watch"] == answered  # nothing from the last synced state

            k8s_faults.clear()
            await watched(live_provider, "payments")  # every watch open again
            assert all(i.watches > opened[str(i)] for i in informers)
            version = changed["metadata"]["resourceVersion"]
            async with asyncio.timeout(5):
                await pods.wait_for(
                    lambda i: i.get(name)["metadata"]["resourceVersion"] == version  # type: ignore[index]
                )
            gateway.l1.clear()
            live = await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
            fresh = await run_component(
                live_provider, "payments-worker", "pods", gateway=DirectGateway()
            )
            assert live.evidence == fresh.evidence
            assert gateway.stats["watch"] > answered
        finally:
            await gateway.close()

    async def test_a_read_that_reaches_the_api_again_wakes_informers_sleeping_in_backoff(
        self, live_provider: KubernetesProvider, k8s_faults: Faults
    ) -> None:
        # backoffs of 15-30 s: only the wake can bring the watches back within the test
        gateway = _watching_gateway(live_provider, backoff_s=30.0, max_backoff_s=30.0)
        try:
            informers, opened = await _watching_then_down(live_provider, k8s_faults, gateway)
            gateway.l1.clear()
            with pytest.raises(ProviderError):  # a read that fails wakes nobody
                await run_component(live_provider, "payments-worker", "status", gateway=gateway)
            assert all(i.backing_off for i in informers)

            k8s_faults.clear()
            await asyncio.sleep(0.3)  # reachable again, but nothing has told the informers
            assert all(i.backing_off and not i.ready for i in informers)
            gateway.l1.clear()
            misses = gateway.stats["miss"]
            await run_component(live_provider, "payments-worker", "status", gateway=gateway)
            assert gateway.stats["miss"] > misses  # answered by the API, through the gateway
            async with asyncio.timeout(5):  # well under the 15-30 s each was sleeping
                await watched(live_provider, "payments")
            assert all(i.watches == opened[str(i)] + 1 for i in informers)  # one retry each
            assert not any(i.backing_off for i in informers)
        finally:
            await gateway.close()

    async def test_a_wake_while_the_watch_breakers_are_open_retries_when_they_probe(
        self, live_provider: KubernetesProvider, k8s_faults: Faults
    ) -> None:
        # Each watch's breaker opens on its first failure and stays open for 1 s; the
        # cluster is back (and a read says so) well within that second. The woken retry
        # is refused by the breaker, not by the cluster: it must come back when the
        # breaker probes, not sleep its 15-30 s backoff (seen in benchmarks.faults as a
        # 28 s recovery in one run of two).
        gateway = _watching_gateway(
            live_provider,
            backoff_s=30.0,
            max_backoff_s=30.0,
            breaker=BreakerPolicy(open_s=1.0, min_calls=1),
        )
        try:
            informers, opened = await _watching_then_down(live_provider, k8s_faults, gateway)
            states = gateway.breaker_states()
            assert all(states[f"kubernetes:watch_{i.kind.plural}"] == "open" for i in informers)

            k8s_faults.clear()
            gateway.l1.clear()
            await run_component(live_provider, "payments-worker", "status", gateway=gateway)
            async with asyncio.timeout(5):
                await watched(live_provider, "payments")
            assert all(i.watches > opened[str(i)] for i in informers)
            assert set(gateway.breaker_states().values()) == {"closed"}
        finally:
            await gateway.close()


class TestCost:
    """Opening watches does not stall the event loop under the diagnosis that started them."""

    async def test_opening_and_reopening_watches_builds_no_api_client_per_watch(
        self,
        live_provider: KubernetesProvider,
        gateway: ResilientGateway,
        k8s_sandbox: KubernetesEmulator,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # kubernetes_asyncio's own Watch() builds an ApiClient (SSL context with the system's
        # CA certificates: ~35 ms of CPU with the loop stopped) for every watch it opens.
        built: list[ApiClient] = []
        init = ApiClient.__init__

        def counting(client: ApiClient, *args: object, **kwargs: object) -> None:
            built.append(client)
            init(client, *args, **kwargs)  # type: ignore[arg-type]

        await run_component(live_provider, "payments-worker", "status", gateway=DirectGateway())
        monkeypatch.setattr(ApiClient, "__init__", counting)
        await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
        informers = await watched(live_provider, "payments")
        opened = {str(i): i.watches for i in informers}
        k8s_sandbox.state.end_watches()  # every watch ends; each informer opens a new one
        async with asyncio.timeout(10):
            await _until(lambda: all(i.ready and i.watches > opened[str(i)] for i in informers))
        assert len(built) == 1  # the cluster's client for watches, once; none per watch
        gateway.l1.clear()
        live = await run_component(live_provider, "payments-worker", "pods", gateway=gateway)
        fresh = await run_component(
            live_provider, "payments-worker", "pods", gateway=DirectGateway()
        )
        assert live.evidence == fresh.evidence
        assert gateway.stats["watch"] > 0


class TestBounds:
    """Watched namespaces are bounded per cluster and stop when nobody reads them."""

    async def test_the_least_recently_read_namespace_makes_room_and_idle_ones_stop(
        self, live_provider: KubernetesProvider
    ) -> None:
        clock = ManualClock()
        gateway = ResilientGateway(clock=clock, rate_limit="10000/minute")
        gateway.live_views.append(live_provider)
        live_provider.live_policy = LivePolicy(max_namespaces=2, idle_s=600)
        try:
            for service in ("payments-worker", "orders-api", "ledger"):
                await run_component(live_provider, service, "status", gateway=gateway)
            live = live_provider.live_cluster(CONTEXT)
            assert live is not None
            assert live.namespaces == ["shop", "finance"]
            clock.advance(599)
            assert gateway.maintain()["watches_stopped"] == 0
            clock.advance(2)
            assert gateway.maintain()["watches_stopped"] == 2 * len(NAMESPACED) + 1
            assert live.namespaces == []
            assert live.informer(None, NODES) is None
        finally:
            await gateway.close()


async def _watch_types(core: CoreV1Api, namespace: str) -> list[str]:
    """The event types of a one-second watch of the namespace's pods."""
    async with Watch() as watch:
        stream = watch.stream(core.list_namespaced_pod, namespace, timeout_seconds=1)
        return [event["type"] async for event in stream]


def _watching_gateway(
    provider: KubernetesProvider,
    *,
    backoff_s: float,
    max_backoff_s: float,
    breaker: BreakerPolicy | None = None,
) -> ResilientGateway:
    """A gateway that asks `provider`'s watches first; watches retry on the given backoff."""
    provider.live_policy = LivePolicy(
        watch=WatchPolicy(backoff_s=backoff_s, max_backoff_s=max_backoff_s)
    )
    gateway = ResilientGateway(
        rate_limit="10000/minute", breaker=breaker or BreakerPolicy(open_s=0.2)
    )
    gateway.live_views.append(provider)
    return gateway


async def _watching_then_down(
    provider: KubernetesProvider, faults: Faults, gateway: ResilientGateway
) -> tuple[list[Informer], dict[str, int]]:
    """Start payments' watches, take the API server down, wait until every informer backs off.

    Returns the informers and how many watches each had opened before the outage.
    """
    await run_component(provider, "payments-worker", "status", gateway=gateway)
    informers = await watched(provider, "payments")
    opened = {str(i): i.watches for i in informers}
    faults.set("kubernetes", down=True)
    async with asyncio.timeout(5):
        await _until(lambda: all(i.backing_off for i in informers))
    return informers, opened


async def _until(predicate: Callable[[], bool]) -> None:
    """Poll a condition nothing signals (a breaker's state), a tick at a time."""
    while not predicate():  # noqa: ASYNC110 - the breaker offers no event to wait on
        await asyncio.sleep(0.01)
