"""Fixtures for the engine tests: one loaded engine and library per session (loading compiles)."""

from __future__ import annotations

import pytest

from analysis.engine import Engine
from analysis.library import Library


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


@pytest.fixture(scope="session")
def library(engine: Engine) -> Library:
    return engine.library
