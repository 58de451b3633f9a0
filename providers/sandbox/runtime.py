"""Starts the sandbox emulators on loopback and says where they are."""

from __future__ import annotations

import importlib
import logging
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from providers.model import PLATFORMS, Platform
from providers.registry import ProviderSettings
from providers.sandbox.faults import Faults

log = logging.getLogger(__name__)

CATALOG_PATH = Path(__file__).with_name("services.yml")


class Emulator(Protocol):
    """A running emulator; it fills in its part of the provider settings."""

    def settings(self) -> dict[str, object]:
        """ProviderSettings fields that point a provider at this emulator."""
        ...

    async def close(self) -> None:
        """Stop serving."""
        ...


Starter = Callable[[Faults, Path], Awaitable[Emulator]]


def settings_for(*emulators: Emulator, request_timeout_s: float = 10.0) -> ProviderSettings:
    """ProviderSettings that point each provider at its emulator among `emulators`."""
    fields: dict[str, object] = {"request_timeout_s": request_timeout_s}
    for emulator in emulators:
        fields.update(emulator.settings())
    return ProviderSettings(**fields)  # type: ignore[arg-type]


# platform -> "module:function" that starts its emulator
_STARTERS: dict[Platform, str] = {
    "kubernetes": "providers.sandbox.kubernetes:start",
    "ecs": "providers.sandbox.aws:start",
    "cloudrun": "providers.sandbox.gcp:start",
}


@dataclass
class Sandbox:
    """Running emulators, their fault switches, and the sandbox catalog."""

    faults: Faults
    workdir: Path
    emulators: dict[Platform, Emulator] = field(default_factory=dict)
    catalog_path: Path = CATALOG_PATH
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    async def start(
        cls, platforms: Iterable[Platform] = PLATFORMS, *, faults: Faults | None = None
    ) -> Sandbox:
        """Start one emulator per platform on 127.0.0.1 (ephemeral ports)."""
        tmp = tempfile.TemporaryDirectory(prefix="deploy-feedback-sandbox-")
        sandbox = cls(faults=faults or Faults(), workdir=Path(tmp.name), _tmp=tmp)
        try:
            for platform in platforms:
                starter = _load_starter(_STARTERS[platform])
                sandbox.emulators[platform] = await starter(sandbox.faults, sandbox.workdir)
        except BaseException:
            await sandbox.close()
            raise
        return sandbox

    def provider_settings(self, *, request_timeout_s: float = 10.0) -> ProviderSettings:
        """Settings that point every provider at its emulator."""
        return settings_for(*self.emulators.values(), request_timeout_s=request_timeout_s)

    async def close(self) -> None:
        """Stop every emulator and remove the work directory."""
        for platform, emulator in self.emulators.items():
            try:
                await emulator.close()
            except Exception:  # best effort: one emulator failing must not keep the rest running
                log.warning("stopping the %s emulator failed", platform, exc_info=True)
        self.emulators.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> Sandbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _load_starter(spec: str) -> Starter:
    module_name, _, attr = spec.partition(":")
    starter: Starter = getattr(importlib.import_module(module_name), attr)
    return starter
