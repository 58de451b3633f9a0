"""One multi-pattern database over every regex signal, scanned once over a whole batch of lines."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from analysis.library import Library

Hit = tuple[int, int]
"""(line index, regex id): regex `id` matched somewhere in line `index`."""


@dataclass(frozen=True, slots=True)
class RegexSpec:
    """One regex signal of the library, numbered for the database."""

    id: int
    pattern_index: int
    signal_index: int
    regex: str
    case_sensitive: bool


def regex_specs(library: Library) -> list[RegexSpec]:
    """Every regex signal in the library, with a dense id."""
    specs: list[RegexSpec] = []
    for p_index, pattern in enumerate(library.patterns):
        for s_index, signal in enumerate(pattern.signals):
            if signal.regex is not None:
                specs.append(
                    RegexSpec(len(specs), p_index, s_index, signal.regex, signal.case_sensitive)
                )
    return specs


class Matcher(Protocol):
    """Finds every (line, regex) pair; lines never contain a newline."""

    backend: str

    def scan(self, lines: Sequence[str]) -> set[Hit]: ...


class HyperscanMatcher:
    """Hyperscan block mode over the lines joined by newlines; match ends map back to lines."""

    backend = "hyperscan"

    def __init__(self, specs: Sequence[RegexSpec]) -> None:
        import hyperscan

        self._hs: Any = hyperscan
        self._db: Any = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        # MULTILINE so ^ and $ anchor at line boundaries inside the joined batch;
        # not SINGLEMATCH, which would report a regex once per batch rather than per line.
        base = hyperscan.HS_FLAG_MULTILINE
        flags = [base | (0 if s.case_sensitive else hyperscan.HS_FLAG_CASELESS) for s in specs]
        self._db.compile(
            expressions=[s.regex.encode() for s in specs],
            ids=[s.id for s in specs],
            elements=len(specs),
            flags=flags,
        )
        self._local = threading.local()
        self._scratch()  # allocate now, not on the first diagnosis

    def _scratch(self) -> Any:
        # A scratch space serves one scan at a time: one per thread.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._hs.Scratch(self._db)
            self._local.scratch = scratch
        return scratch

    def scan(self, lines: Sequence[str]) -> set[Hit]:
        if not lines:
            return set()
        data = "\n".join(lines).encode("utf-8", "replace")
        ends: list[tuple[int, int]] = []
        append = ends.append

        def on_match(rid: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            append((end, rid))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return _to_lines(data, ends)


def _to_lines(data: bytes, ends: list[tuple[int, int]]) -> set[Hit]:
    """Turn match end offsets into line indexes by counting newlines once, left to right."""
    ends.sort()
    hits: set[Hit] = set()
    line = 0
    pos = 0
    for end, rid in ends:
        # A match ending right at a newline ended on the line before it ($ or a trailing class).
        upto = end - 1 if end > 0 else 0
        if upto > pos:
            line += data.count(b"\n", pos, upto)
            pos = upto
        hits.add((line, rid))
    return hits


class Re2SetMatcher:
    """google-re2's Set, line by line: the fallback where hyperscan cannot be installed."""

    backend = "re2"

    def __init__(self, specs: Sequence[RegexSpec]) -> None:
        import re2

        options = re2.Options()
        # RE2's default 8 MiB program budget is too small for the whole library in one Set
        # (bounded repeats like [^\n]{0,400} expand); 64 MiB is compiled once per process.
        options.max_mem = 64 << 20
        self._set: Any = re2.Set.SearchSet(options)
        for spec in specs:
            rx = spec.regex if spec.case_sensitive else f"(?i:{spec.regex})"
            self._set.Add(rx)
        self._set.Compile()
        self._ids = [s.id for s in specs]

    def scan(self, lines: Sequence[str]) -> set[Hit]:
        hits: set[Hit] = set()
        for index, line in enumerate(lines):
            found = self._set.Match(line)
            if found:  # re2 answers None, not [], when nothing matched
                hits.update((index, self._ids[i]) for i in found)
        return hits


class ReferenceMatcher:
    """Python `re`, one regex at a time: the slow, obviously-correct reference for tests."""

    backend = "re"

    def __init__(self, specs: Sequence[RegexSpec]) -> None:
        # ASCII: hyperscan scans UTF-8 bytes without UCP, so \w, \b and case folding are ASCII.
        flags = re.ASCII
        self._compiled = [
            (s.id, re.compile(s.regex, flags if s.case_sensitive else flags | re.IGNORECASE))
            for s in specs
        ]

    def scan(self, lines: Sequence[str]) -> set[Hit]:
        hits: set[Hit] = set()
        for index, line in enumerate(lines):
            for rid, rx in self._compiled:
                if rx.search(line):
                    hits.add((index, rid))
        return hits


def build_matcher(specs: Sequence[RegexSpec]) -> Matcher:
    """Hyperscan when it imports, else RE2's Set."""
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return Re2SetMatcher(specs)
    return HyperscanMatcher(specs)
