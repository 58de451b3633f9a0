"""Fixtures for the resilience tests: a controllable clock and a Redis server of our own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.resilience.doubles import ManualClock, OwnRedis


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()
