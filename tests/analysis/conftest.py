"""Fixtures for the engine tests: one loaded engine and library per session (loading compiles)."""

from __future__ import annotations

import pytest

from analysis.engine import Engine
from analysis.library import Library


@pytest.fixture(scope="session")
def shipped() -> Engine:
    """The engine as `Engine.load()` ships it: patterns plus the learned lead."""
    return Engine.load()


@pytest.fixture(scope="session")
def engine(shipped: Engine) -> Engine:
    """Patterns only: what the pattern and rule tests are about (a learned lead would mask a
    pattern that stopped matching). The lead has its own tests (test_learned.py)."""
    return Engine(shipped.library, learned=None)


@pytest.fixture(scope="session")
def library(shipped: Engine) -> Library:
    return shipped.library
