"""The learned lead: only where no pattern matched, low and capped, redacted, reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.engine import LEARNED, Engine, load_learned
from analysis.evidence_text import evidence_from_text
from analysis.learned import (
    BASE,
    DEV_CORPUS,
    MODEL_PATH,
    SPAN,
    TokenModel,
    corpus_files,
    shipped_json,
    train_from,
)
from analysis.library import Library
from providers.errors import ConfigError

# Made-up words, so that no pattern of the library can match and the lead is all there is.
QUOTA = "ERROR zorblax quota flimflam exhausted on wobbler"
SOCKET = "ERROR zorblax socket grommet vanished near gizmotron"


@pytest.fixture(scope="module")
def toy(library: Library) -> Engine:
    model = TokenModel.train(
        [(QUOTA, "insufficient_resources")] * 3 + [(SOCKET, "dns_network")] * 3
    )
    return Engine(library, learned=model)


class TestLead:
    def test_a_lead_where_no_pattern_matched(self, toy: Engine) -> None:
        analysis = toy.analyze(evidence_from_text(f"INFO starting\n{QUOTA} again"))
        assert [f.pattern for f in analysis.findings] == [LEARNED]
        lead = analysis.findings[0]
        assert lead.category == "insufficient_resources"
        assert BASE <= lead.confidence <= BASE + SPAN
        assert lead.evidence[0].startswith("ERROR zorblax quota")
        assert lead.fixes, "the category's general fixes come with the lead"
        assert "not a match" in lead.explanation
        assert analysis.unmatched_templates, "a lead is never shown without the templates"

    def test_the_other_category(self, toy: Engine) -> None:
        found = toy.analyze(evidence_from_text(SOCKET)).findings
        assert [(f.category, f.pattern) for f in found] == [("dns_network", LEARNED)]

    def test_no_lead_when_a_pattern_matches(self, toy: Engine) -> None:
        text = f"{QUOTA}\nLast State: Terminated\n  Reason: OOMKilled\n  Exit Code: 137"
        found = toy.analyze(evidence_from_text(text), platform="kubernetes").findings
        assert found[0].category == "oom_killed"
        assert LEARNED not in [f.pattern for f in found]

    def test_no_lead_when_no_line_reports_a_failure(self, toy: Engine) -> None:
        settings = 'zorblax quota flimflam wobbler "timeout": 5, failure=3'
        assert toy.analyze(evidence_from_text(settings)).findings == []

    @pytest.mark.parametrize(
        "line",
        [
            "WARNING zorblax quota flimflam wobbler is deprecated, use gizmotron",
            "zorblax quota flimflam wobbler exited with code 0",
        ],
    )
    def test_no_lead_from_a_notice_or_a_clean_exit(self, toy: Engine, line: str) -> None:
        assert toy.analyze(evidence_from_text(line)).findings == []
        failing = line.replace("exited with code 0", "exited with code 3").replace(
            "is deprecated, use", "failed, use"
        )
        assert toy.analyze(evidence_from_text(failing)).findings, "the same words do lead"

    def test_no_lead_from_unknown_words(self, toy: Engine) -> None:
        assert toy.analyze(evidence_from_text("ERROR something else entirely")).findings == []

    def test_secrets_in_lead_lines_are_masked(self, toy: Engine) -> None:
        text = f"{QUOTA} password=hunter2hunter2 token=abcdef0123456789abcdef"
        found = toy.analyze(evidence_from_text(text)).findings
        assert found
        assert found[0].pattern == LEARNED
        shown = " ".join(found[0].evidence)
        assert "hunter2hunter2" not in shown
        assert "abcdef0123456789abcdef" not in shown

    def test_garbage_and_empty_input(self, toy: Engine) -> None:
        assert toy.analyze([]).findings == []
        junk = "ERROR \x00\xff\ufffd" * 500
        toy.analyze(evidence_from_text(junk))  # no crash


class TestShippedModel:
    def test_the_shipped_engine_has_the_model(self, shipped: Engine) -> None:
        assert shipped.learned is not None

    @pytest.mark.skipif(not DEV_CORPUS.exists(), reason="../shared/corpus/dev.jsonl absent")
    def test_the_committed_model_is_what_the_corpora_train(self) -> None:
        files = corpus_files()
        assert MODEL_PATH.read_text(encoding="utf-8") == shipped_json(train_from(files), files), (
            "analysis/learned.json is stale: run .venv/bin/python -m analysis.learned train"
        )

    def test_a_corpus_can_be_left_out(self) -> None:
        files = corpus_files()
        left_out = files[0]
        assert left_out not in corpus_files(exclude=[left_out])
        assert len(corpus_files(exclude=[left_out])) == len(files) - 1

    def test_a_broken_model_file_is_a_clear_error(self, tmp_path: Path) -> None:
        broken = tmp_path / "learned.json"
        broken.write_text('{"categories": ["oom_killed"]', encoding="utf-8")
        with pytest.raises(ConfigError, match=r"learned\.json"):
            load_learned(broken)

    def test_no_model_file_means_no_leads(self, tmp_path: Path) -> None:
        assert load_learned(tmp_path / "absent.json") is None
