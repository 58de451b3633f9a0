"""The service catalog (`services.yml`): names -> platform and identifiers, validated on load."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from providers.errors import ConfigError, UnknownServiceError
from providers.model import (
    CloudRunLocation,
    EcsLocation,
    KubernetesLocation,
    Location,
    ServiceTarget,
)

_NAME = r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$"


class AccessPolicy(BaseModel):
    """Who may diagnose a service; empty lists mean anyone in the workspace."""

    model_config = ConfigDict(extra="forbid")

    channels: list[str] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list)
    usergroups: list[str] = Field(default_factory=list)
    environments: list[str] = Field(default_factory=list)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    env: str | None = Field(None, pattern=_NAME)
    aliases: list[Annotated[str, Field(pattern=_NAME)]] = Field(default_factory=list)
    access: AccessPolicy | None = None
    environments: dict[str, dict[str, Any]] = Field(default_factory=dict)


class KubernetesEntry(_Entry):
    platform: Literal["kubernetes"]
    namespace: str = Field("default", pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    deployment: str = Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    context: str | None = None
    container: str | None = Field(None, pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")

    def location(self) -> Location:
        return KubernetesLocation(self.namespace, self.deployment, self.context, self.container)


class EcsEntry(_Entry):
    platform: Literal["ecs"]
    cluster: str = Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")
    service: str = Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    log_group: str | None = Field(None, pattern=r"^[A-Za-z0-9_./#-]+$", max_length=512)
    target_groups: list[str] = Field(default_factory=list)

    def location(self) -> Location:
        return EcsLocation(
            self.cluster, self.service, self.region, self.log_group, tuple(self.target_groups)
        )


class CloudRunEntry(_Entry):
    platform: Literal["cloudrun"]
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+\d$")
    service: str = Field(pattern=r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$")

    def location(self) -> Location:
        return CloudRunLocation(self.project, self.region, self.service)


ServiceEntry = Annotated[
    KubernetesEntry | EcsEntry | CloudRunEntry, Field(discriminator="platform")
]


class _CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: dict[Annotated[str, Field(pattern=_NAME)], ServiceEntry]


class Catalog:
    """Validated services, looked up by name, alias and environment."""

    def __init__(self, entries: Mapping[str, KubernetesEntry | EcsEntry | CloudRunEntry]) -> None:
        self._entries = dict(entries)
        self._aliases = {a: name for name, e in self._entries.items() for a in e.aliases}

    @classmethod
    def load(cls, path: Path) -> Catalog:
        """Read and validate `path`; errors name the file, the entry and the field."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(
                f"{path}: catalog file not found (set DEPLOY_FEEDBACK_CATALOG)"
            ) from exc
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read catalog: {exc}") from exc
        return cls.from_data(raw, source=str(path))

    @classmethod
    def from_data(cls, raw: object, *, source: str = "services.yml") -> Catalog:
        """Validate already-parsed catalog data."""
        try:
            parsed = _CatalogFile.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(_describe(source, exc)) from exc
        for name, entry in parsed.services.items():
            for env, overrides in entry.environments.items():
                _merge(entry, overrides, source=f"{source}: services.{name}.environments.{env}")
        return cls(parsed.services)

    def names(self) -> list[str]:
        """Every service name, sorted."""
        return sorted(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._aliases

    def entry(self, name: str) -> KubernetesEntry | EcsEntry | CloudRunEntry:
        """The entry for a name or alias, or UnknownServiceError with the closest names."""
        canonical = self._aliases.get(name, name)
        try:
            return self._entries[canonical]
        except KeyError:
            raise UnknownServiceError(name, self.suggest(name)) from None

    def canonical(self, name: str) -> str:
        """The catalog's own name for `name` (which may be an alias)."""
        self.entry(name)
        return self._aliases.get(name, name)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """The closest service names (and aliases) to a misspelt one."""
        pool = [*self._entries, *self._aliases]
        return difflib.get_close_matches(name, pool, n=limit, cutoff=0.5)

    def environments(self, name: str) -> list[str]:
        """The environments a service is known in (its default first)."""
        entry = self.entry(name)
        envs = [entry.env] if entry.env else []
        return envs + [e for e in entry.environments if e not in envs]

    def resolve(self, name: str, env: str | None = None) -> ServiceTarget:
        """Resolve a name (or alias) and optional environment to a `ServiceTarget`."""
        canonical = self.canonical(name)
        entry = self._entries[canonical]
        if env is None or env == entry.env:
            return ServiceTarget(canonical, entry.platform, entry.location(), entry.env)
        if env not in entry.environments:
            known = ", ".join(self.environments(canonical)) or "none"
            raise ConfigError(f"{canonical} has no environment {env!r} (known: {known})")
        merged = _merge(entry, entry.environments[env], source=f"services.{canonical}")
        return ServiceTarget(canonical, entry.platform, merged.location(), env)


def _merge(
    entry: KubernetesEntry | EcsEntry | CloudRunEntry, overrides: Mapping[str, Any], *, source: str
) -> KubernetesEntry | EcsEntry | CloudRunEntry:
    data = entry.model_dump(exclude={"environments"})
    data.update(overrides)
    try:
        return type(entry).model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from exc


def _describe(source: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"] if not _is_union_tag(p))
        problems.append(f"{where}: {error['msg']}")
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return f"{source}: invalid catalog: " + "; ".join(problems) + more


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and part in ("kubernetes", "ecs", "cloudrun")
