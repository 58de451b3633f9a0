"""The Redis link: down/up transitions logged once each, back-off, and no password in logs."""

from __future__ import annotations

import logging

import pytest

from providers.resilience.redis_state import RedisLink


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class TestRedisLink:
    """Outage bookkeeping shared by L2, single-flight and limits."""

    async def test_outage_and_return_are_logged_once_without_the_password(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        ticks, changes = Ticks(), list[bool]()
        link = RedisLink(
            "redis://:s3cret-pass@127.0.0.1:1/0", retry_s=5, clock=ticks, on_change=changes.append
        )
        caplog.set_level(logging.WARNING, logger="providers.resilience.redis_state")
        try:
            for _ in range(3):
                link.failed(ConnectionError("refused"))
            assert not link.usable()
            ticks.t = 5.0
            assert link.usable()  # time to try again
            link.succeeded()
            link.succeeded()
        finally:
            await link.close()
        assert changes == [False, True]
        assert len(caplog.records) == 2
        assert all("s3cret" not in r.getMessage() for r in caplog.records)
        assert "***@127.0.0.1:1/0" in caplog.records[0].getMessage()

    async def test_keys_live_under_the_prefix(self) -> None:
        link = RedisLink("redis://127.0.0.1:1/0", prefix="dfx:")
        try:
            assert link.key("c", "abc") == "dfx:c:abc"
        finally:
            await link.close()
