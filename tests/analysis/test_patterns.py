"""Every pattern's examples: each positive matches one of its regexes, no near miss does."""

from __future__ import annotations

import pytest

from analysis.library import Pattern, load_library
from analysis.matcher import HyperscanMatcher, ReferenceMatcher, regex_specs

LIBRARY = load_library()
SPECS = regex_specs(LIBRARY)
FAST = HyperscanMatcher(SPECS)
REFERENCE = ReferenceMatcher(SPECS)
PATTERNS = [p for p in LIBRARY.patterns if p.examples is not None]


def own_hits(pattern: Pattern, text: str) -> set[int]:
    """This pattern's own supporting regexes that match a line of `text` (both engines agree).

    Counter-evidence regexes (negative weight) are left out: a near miss may well match them.
    """
    index = LIBRARY.patterns.index(pattern)
    own = {
        s.id
        for s in SPECS
        if s.pattern_index == index and pattern.signals[s.signal_index].weight > 0
    }
    lines = text.split("\n")
    fast = {rid for _, rid in FAST.scan(lines) if rid in own}
    ref = {rid for _, rid in REFERENCE.scan(lines) if rid in own}
    assert fast == ref
    return fast


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.id for p in PATTERNS])
class TestExamples:
    """Examples are realistic lines, written from documented runtime and platform messages."""

    def test_each_positive_example_matches(self, pattern: Pattern) -> None:
        assert pattern.examples is not None
        for example in pattern.examples.match:
            assert own_hits(pattern, example), f"{pattern.id} misses: {example!r}"

    def test_no_near_miss_matches(self, pattern: Pattern) -> None:
        assert pattern.examples is not None
        for example in pattern.examples.no_match:
            assert not own_hits(pattern, example), f"{pattern.id} wrongly matches: {example!r}"
