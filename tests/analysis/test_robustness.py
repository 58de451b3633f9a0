"""Arbitrary bytes, huge lines, binary junk and empty input never crash or hang the analyser."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.engine import Engine
from analysis.evidence_text import evidence_from_text
from providers.model import Evidence

NEAR_MISSES = st.sampled_from(
    [
        "OOMKilled",
        "Exit Code: 137",
        "ECONNREFUSED 127.0.0.1:5432",
        "x509: ",
        "(port 3000) is unhealthy",
        "listening on 0.0.0.0:8080",
        "password=hunter2",
        "\x00\xff\ufffd",
        "\n",
        "\r",
        "{deployment}",
    ]
)


class TestNeverCrashes:
    """The analyser returns an Analysis for any input, quickly."""

    @settings(
        max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.binary(max_size=8192))
    def test_arbitrary_bytes(self, engine: Engine, data: bytes) -> None:
        engine.analyze(evidence_from_text(data.decode("utf-8", "replace")))
        engine.analyze(evidence_from_text(data.decode("latin-1")))

    @settings(
        max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.lists(st.text() | NEAR_MISSES, max_size=40).map("".join))
    def test_arbitrary_text_with_near_misses(self, engine: Engine, text: str) -> None:
        analysis = engine.analyze(evidence_from_text(text), platform="ecs", context={"x": "{y}"})
        for finding in analysis.findings:
            assert 0.0 <= finding.confidence <= 1.0

    @settings(
        max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.lists(st.text(), max_size=20),
        st.dictionaries(
            st.text(max_size=20),
            st.integers() | st.floats() | st.text() | st.booleans(),
            max_size=5,
        ),
    )
    def test_structured_evidence_with_odd_attributes(
        self, engine: Engine, texts: list[str], attrs: dict[str, object]
    ) -> None:
        evidence = [Evidence("log", "x", t, attributes=attrs) for t in texts]  # type: ignore[arg-type]
        engine.analyze(evidence)

    def test_huge_lines_stay_fast(self, engine: Engine) -> None:
        junk = ("a" * 5_000_000) + " OOMKilled " + ("\x00\x01" * 1_000_000)
        started = time.perf_counter()
        analysis = engine.analyze([Evidence("log", "x", junk)])
        assert time.perf_counter() - started < 5.0
        assert analysis.findings[0].category == "oom_killed"

    def test_huge_line_full_of_port_phrases_stays_fast(self, engine: Engine) -> None:
        # Would take minutes if the port cross-check ran its per-line regexes on blobs.
        # "listening." repeated: every occurrence starts a host-name run that spans the line.
        junk = "(port 3000) is unhealthy " + "listening." * 20_000 + " listening on port 8080"
        started = time.perf_counter()
        engine.analyze([Evidence("log", "x", junk), Evidence("log", "x", junk)])
        assert time.perf_counter() - started < 5.0

    def test_many_identical_error_lines_stay_fast(self, engine: Engine) -> None:
        evidence = [Evidence("log", "x", "ERROR unknown thing failed at step 7")] * 200_000
        started = time.perf_counter()
        analysis = engine.analyze(evidence)
        assert time.perf_counter() - started < 5.0
        assert analysis.unmatched_templates

    def test_empty(self, engine: Engine) -> None:
        assert engine.analyze([]).findings == []
        assert engine.analyze([Evidence("log", "x", "")]).findings == []
