"""Every Cloud Run provider call described as a gateway `Call` (cacheable, limited, retried)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from providers.base import CollectContext
from providers.gateway import Call, Json
from providers.gcp.api import CloudRunApi
from providers.gcp.names import CloudRunNames
from providers.gcp.spec import failing_revision, short_name

# A service's state is what tells us a new rollout happened, so it is cached briefly;
# everything else is keyed by the rollout (the failing revision) and may live longer.
SERVICE_TTL_S = 10.0
ROLLOUT_TTL_S = 60.0


class CloudRunCalls:
    """The calls one Cloud Run service's components make, through `ctx.fetch`."""

    def __init__(self, api: CloudRunApi, names: CloudRunNames) -> None:
        self.api = api
        self.names = names

    async def service(self, ctx: CollectContext) -> Json:
        """GetService (shared by every component of one diagnosis)."""
        path = self.names.service_path
        call = Call("gcp", self.names.project, "run.GetService", (("name", path),), SERVICE_TTL_S)
        return await ctx.fetch(call, lambda: self.api.get_service(path))

    async def rollout(self, ctx: CollectContext) -> tuple[Json, str]:
        """The service and the short name of the revision its latest rollout created."""
        service = await self.service(ctx)
        return service, short_name(failing_revision(service))

    async def revision(self, ctx: CollectContext, name: str, rollout: str) -> Json:
        """GetRevision for one of this service's revisions."""
        path = self.names.revision_path(name)
        call = Call(
            "gcp", self.names.project, "run.GetRevision", (("name", path),), ROLLOUT_TTL_S, rollout
        )
        return await ctx.fetch(call, lambda: self.api.get_revision(path))

    async def revisions(self, ctx: CollectContext, rollout: str) -> Json:
        """ListRevisions (first page: the newest revisions)."""
        path = self.names.service_path
        call = Call(
            "gcp",
            self.names.project,
            "run.ListRevisions",
            (("parent", path),),
            ROLLOUT_TTL_S,
            rollout,
        )
        return await ctx.fetch(call, lambda: self.api.list_revisions(path))

    async def log_page(
        self, ctx: CollectContext, log_filter: str, page_size: int, token: str, rollout: str
    ) -> Json:
        """One page of ListLogEntries (each page is its own call: a retry never re-reads)."""
        params = (("filter", log_filter), ("page_size", str(page_size)), ("page_token", token))
        call = Call("gcp", self.names.project, "logging.ListLogEntries", params, 30.0, rollout)
        return await ctx.fetch(
            call,
            lambda: self.api.list_log_entries(self.names.project, log_filter, page_size, token),
        )

    async def time_series(
        self,
        ctx: CollectContext,
        *,
        metric_filter: str,
        start: datetime,
        end: datetime,
        aggregation: Mapping[str, Any],
        rollout: str,
    ) -> Json:
        """ListTimeSeries for one aligned metric query."""
        params = (
            ("filter", metric_filter),
            ("start", start.isoformat()),
            ("end", end.isoformat()),
            ("aggregation", repr(sorted(aggregation.items()))),
        )
        call = Call("gcp", self.names.project, "monitoring.ListTimeSeries", params, 60.0, rollout)
        return await ctx.fetch(
            call,
            lambda: self.api.list_time_series(
                self.names.project, metric_filter, start, end, aggregation
            ),
        )
