"""The fast matchers (hyperscan over the whole batch, RE2's Set) find exactly what `re` finds."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.library import load_library
from analysis.matcher import HyperscanMatcher, Re2SetMatcher, ReferenceMatcher, regex_specs

LIBRARY = load_library()
SPECS = regex_specs(LIBRARY)
HYPERSCAN = HyperscanMatcher(SPECS)
RE2 = Re2SetMatcher(SPECS)
REFERENCE = ReferenceMatcher(SPECS)

# Every example line of the library, positive and near miss: realistic text that hits
# nearly every regex, in one batch so line offsets are exercised across many lines.
EXAMPLE_LINES = [
    line
    for pattern in LIBRARY.patterns
    if pattern.examples is not None
    for example in (*pattern.examples.match, *pattern.examples.no_match)
    for line in example.split("\n")
]
FRAGMENTS = sorted({word for line in EXAMPLE_LINES for word in line.split(" ") if word})


class TestSameHitsAsReference:
    """(line, regex) sets are identical over the whole library."""

    def test_on_every_example_line_in_one_batch(self) -> None:
        expected = REFERENCE.scan(EXAMPLE_LINES)
        assert len(expected) > len(EXAMPLE_LINES) // 2  # the batch really exercises the library
        assert HYPERSCAN.scan(EXAMPLE_LINES) == expected
        assert RE2.scan(EXAMPLE_LINES) == expected

    def test_shuffled_and_padded_batches_map_offsets_to_the_right_line(self) -> None:
        lines = [x for line in reversed(EXAMPLE_LINES) for x in (line, "", "  ordinary INFO line")]
        assert HYPERSCAN.scan(lines) == REFERENCE.scan(lines)

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.lists(
                st.sampled_from(FRAGMENTS)
                | st.text(string.printable.replace("\n", ""), max_size=12),
                max_size=12,
            ).map(" ".join),
            max_size=30,
        )
    )
    def test_on_spliced_fragments(self, lines: list[str]) -> None:
        lines = [
            line.replace("\n", " ").replace("\x0b", " ").replace("\x0c", " ") for line in lines
        ]
        assert HYPERSCAN.scan(lines) == REFERENCE.scan(lines)

    def test_empty_batch_and_empty_lines(self) -> None:
        assert HYPERSCAN.scan([]) == set()
        assert HYPERSCAN.scan(["", "", ""]) == set()
        assert RE2.scan(["", ""]) == set()

    def test_match_on_the_last_line_without_trailing_newline(self) -> None:
        lines = ["ok", "ok", "Error: getaddrinfo ENOTFOUND db"]
        hits = HYPERSCAN.scan(lines)
        assert hits
        assert {line for line, _ in hits} == {2}
