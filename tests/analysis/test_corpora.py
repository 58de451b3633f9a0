"""The blind evaluation corpora under benchmarks/corpus are well-formed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.model import CATEGORIES

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus"
FIELDS = {"id", "platform", "kind", "evidence", "label", "source", "url", "note"}
BATCHES = sorted(p.name for p in CORPUS.glob("fresh*.jsonl"))
OUTCOMES = json.loads((CORPUS / "blind_outcomes.json").read_text(encoding="utf-8"))["batches"]


def test_every_batch_is_checked() -> None:
    assert len(BATCHES) >= 39
    total = sum(1 for name in BATCHES for line in (CORPUS / name).read_text().splitlines() if line)
    assert total >= 2514


@pytest.mark.parametrize("name", BATCHES)
def test_corpus_is_well_formed(name: str) -> None:
    lines = [line for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line]
    cases = [json.loads(line) for line in lines]
    # Nine batches of 82-90, then 45-73 each as unused threads in the search index ran out.
    assert len(cases) >= 45
    # Exactly the cases that were scored blind: none added, dropped or renamed since.
    measured = OUTCOMES[name.removesuffix(".jsonl")]["outcomes"]
    assert [c["id"] for c in cases] == [row[0] for row in measured]
    assert len({c["id"] for c in cases}) == len(cases)
    assert len({c["source"] for c in cases}) == len(cases), "one case per thread"
    for case in cases:
        assert set(case) == FIELDS, case["id"]
        assert case["label"] in CATEGORIES, case["id"]
        assert case["platform"] in {"ecs", "cloudrun", "kubernetes", "generic"}, case["id"]
        assert case["kind"] in {"logs", "events", "status", "mixed"}, case["id"]
        assert case["evidence"].strip(), case["id"]


def test_corpora_share_no_thread() -> None:
    seen: dict[str, str] = {}
    for name in BATCHES:
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            if line:
                url = json.loads(line)["url"]
                assert url not in seen, f"{url} in both {seen.get(url)} and {name}"
                seen[url] = name
