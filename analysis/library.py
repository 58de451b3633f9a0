"""The pattern library: YAML schema (validated by pydantic) and its loader (built-in + user)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from analysis.model import CATEGORIES, Category
from providers.errors import ConfigError

BUILTIN_DIR = Path(__file__).with_name("patterns")
FIX_PLATFORMS = ("kubernetes", "ecs", "cloudrun", "generic")
PatternPlatform = Literal["kubernetes", "ecs", "cloudrun", "generic", "any"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
# Regexes run in hyperscan / RE2 too, which know neither of these.
_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]")
# Documentation hosts that belong to one platform: a link there is wrong on any other.
_DOCS_HOSTS = {
    "kubernetes.io": "kubernetes",
    "aws.amazon.com": "ecs",
    "repost.aws": "ecs",
    "cloud.google.com": "cloudrun",
}


def docs_platform(url: str) -> str | None:
    """The platform whose documentation `url` is, or None for platform-neutral docs."""
    host = (urlsplit(url).hostname or "").lower()
    for suffix, platform in _DOCS_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return platform
    return None


class Signal(BaseModel):
    """One piece of evidence that points at a pattern: a regex over text, or an attribute test."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regex: str | None = None
    case_sensitive: bool = False
    attribute: str | None = None
    equals: tuple[str | int, ...] | None = None
    gte: float | None = None
    # Negative weights are counter-evidence (e.g. "OOMKilled: false"): they scale the
    # category's confidence by (1 + weight) instead of adding to it.
    weight: float = Field(ge=-1.0, le=1.0)
    # What counter-evidence scales: the whole category (default), or only the signals of
    # its own pattern, so a caveat about one reading (a loopback listener next to a public
    # one) leaves the category's other readings (a port mismatch) untouched.
    scope: Literal["category", "pattern"] = "category"
    why: str = Field(min_length=3, max_length=200)

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if _UNSUPPORTED.search(value):
            raise ValueError("lookaround and backreferences are not supported")
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regex {value!r}: {exc}") from exc
        if compiled.match(""):
            raise ValueError(f"regex {value!r} matches the empty string")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Signal:
        if self.weight == 0.0:
            raise ValueError("a signal's weight must not be 0")
        if self.scope == "pattern" and self.weight > 0.0:
            raise ValueError("`scope: pattern` is for counter-evidence (a negative weight)")
        if (self.regex is None) == (self.attribute is None):
            raise ValueError("a signal has exactly one of `regex` or `attribute`")
        if self.attribute is not None and (self.equals is None) == (self.gte is None):
            raise ValueError("an attribute signal has exactly one of `equals` or `gte`")
        return self


class Examples(BaseModel):
    """Realistic lines that must (match) and must not (no_match) trigger the pattern's regexes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: tuple[str, ...] = Field(min_length=1)
    no_match: tuple[str, ...] = Field(min_length=1)


class Pattern(BaseModel):
    """One documented failure mode: its signals, fixes per platform and a documentation link."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    category: Category
    title: str = Field(min_length=3, max_length=120)
    platforms: tuple[PatternPlatform, ...] = ("any",)
    signals: tuple[Signal, ...] = Field(min_length=1)
    fixes: dict[str, tuple[str, ...]]
    # Documentation per platform, like fixes; `generic` is the fallback. A plain string is
    # filed under the platform whose docs it is (or generic when it is neutral).
    docs_url: dict[str, str] = Field(default_factory=dict)
    # Fix placeholders read from the finding's own evidence, e.g. the denied secret's name:
    # {placeholder: regex with one capture group}. The deployment's context wins over these.
    captures: dict[str, str] = Field(default_factory=dict)
    examples: Examples | None = None
    # A fallback pattern is the category's general vocabulary ("health check ... failing"):
    # it is scored only when no other pattern reaches a finding, so it never outranks or
    # strengthens a documented message, and turns "no finding" into a low-confidence lead.
    fallback: bool = False

    def applies_to(self, platform: str) -> bool:
        """Whether the failure mode can happen on `platform` (`generic`: platform unknown)."""
        return "any" in self.platforms or platform in self.platforms

    def docs_for(self, platform: str) -> str | None:
        """The link for `platform`, else the generic one; for an unknown platform, the link of
        the one platform the pattern belongs to; else None."""
        url = self.docs_url.get(platform) or self.docs_url.get("generic")
        if url is None and platform == "generic":
            homes = [p for p in self.platforms if p not in ("generic", "any")]
            if len(homes) == 1:
                url = self.docs_url.get(homes[0])
        return url

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"pattern id {value!r} must be lowercase letters, digits and dashes")
        return value

    @field_validator("fixes")
    @classmethod
    def _fix_platforms(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = set(value) - set(FIX_PLATFORMS)
        if unknown:
            raise ValueError(f"fixes for unknown platforms {sorted(unknown)}")
        if "generic" not in value:
            raise ValueError("fixes need a `generic` entry (the fallback for every platform)")
        return value

    @field_validator("docs_url", mode="before")
    @classmethod
    def _docs_by_platform(cls, value: object) -> object:
        if isinstance(value, str):
            return {docs_platform(value) or "generic": value}
        return {} if value is None else value

    @field_validator("docs_url")
    @classmethod
    def _docs_suit_platforms(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(FIX_PLATFORMS)
        if unknown:
            raise ValueError(f"docs_url for unknown platforms {sorted(unknown)}")
        for platform, url in value.items():
            if not re.fullmatch(r"https://[^\s<>|\"']{4,500}", url):
                raise ValueError(f"docs_url.{platform} must be an https:// link, got {url!r}")
            owner = docs_platform(url)
            if owner is not None and owner != platform:
                raise ValueError(
                    f"docs_url.{platform} links {owner} documentation ({url}): "
                    f"file it under docs_url.{owner}"
                )
        return value

    @field_validator("captures")
    @classmethod
    def _captures_have_one_group(cls, value: dict[str, str]) -> dict[str, str]:
        for name, regex in value.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
                raise ValueError(f"capture name {name!r} must be a lowercase identifier")
            try:
                groups = re.compile(regex).groups
            except re.error as exc:
                raise ValueError(f"capture {name}: bad regex {regex!r}: {exc}") from exc
            if groups != 1:
                raise ValueError(f"capture {name}: regex needs exactly one group, has {groups}")
        return value

    @model_validator(mode="after")
    def _examples_for_regexes(self) -> Pattern:
        if any(s.regex for s in self.signals) and self.examples is None:
            raise ValueError("a pattern with regex signals needs `examples` (match and no_match)")
        return self


class PatternFile(BaseModel):
    """The shape of one YAML file: a category and its patterns."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    patterns: tuple[Pattern, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _inherit_category(cls, raw: object) -> object:
        """Patterns take the file's category unless they name one (checked to agree below)."""
        if isinstance(raw, dict) and isinstance(raw.get("patterns"), list):
            for item in raw["patterns"]:
                if isinstance(item, dict):
                    item.setdefault("category", raw.get("category"))
        return raw


@dataclass(frozen=True, slots=True)
class Library:
    """Every pattern, in load order (built-ins first)."""

    patterns: tuple[Pattern, ...]

    def categories(self) -> set[Category]:
        return {p.category for p in self.patterns}


def load_library(extra_dirs: Sequence[Path] = ()) -> Library:
    """Load the built-in patterns and any user dirs; ConfigError names the file and the pattern."""
    patterns: list[Pattern] = []
    seen: dict[str, Path] = {}
    for path in _pattern_files([BUILTIN_DIR, *extra_dirs]):
        for pattern in _load_file(path):
            if pattern.id in seen:
                raise ConfigError(
                    f"{path}: pattern {pattern.id!r} is already defined in {seen[pattern.id]}"
                )
            seen[pattern.id] = path
            patterns.append(pattern)
    missing = set(CATEGORIES) - {p.category for p in patterns}
    if missing:
        raise ConfigError(f"pattern library lacks categories: {sorted(missing)}")
    return Library(tuple(patterns))


def _pattern_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        if not directory.is_dir():
            raise ConfigError(f"pattern directory {directory} does not exist")
        files.extend(sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]))
    return files


def _load_file(path: Path) -> tuple[Pattern, ...]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read pattern file: {exc}") from exc
    try:
        parsed = PatternFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(raw, exc)}") from exc
    for pattern in parsed.patterns:
        if pattern.category != parsed.category:
            raise ConfigError(
                f"{path}: pattern {pattern.id!r} has category {pattern.category!r}, "
                f"but the file is for {parsed.category!r}"
            )
    return parsed.patterns


def _describe(raw: object, exc: ValidationError) -> str:
    """Name the pattern (by id when it has one) and the field for each validation error."""
    parts: list[str] = []
    for err in exc.errors():
        loc = err["loc"]
        where = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] == "patterns" and isinstance(loc[1], int):
            where = f"pattern {_pattern_id(raw, loc[1])}: " + ".".join(str(x) for x in loc[2:])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _pattern_id(raw: object, index: int) -> str:
    if isinstance(raw, dict):
        items = raw.get("patterns")
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            pid = items[index].get("id")
            if isinstance(pid, str):
                return repr(pid)
    return f"#{index + 1}"
