"""`benchmarks.accuracy --record`: a blind batch is scored once and its outcomes kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.accuracy import record

CASES = [
    {
        "id": "zz01",
        "platform": "kubernetes",
        "kind": "events",
        "evidence": 'Warning  Failed  kubelet  Error: secret "db-creds" not found',
        "label": "missing_config",
        "source": "example thread 1",
        "url": "https://example.invalid/1",
        "note": "the Secret was never created",
    },
    {
        "id": "zz02",
        "platform": "generic",
        "kind": "logs",
        "evidence": "Error: listen EADDRINUSE: address already in use :::3000",
        "label": "dns_network",
        "source": "example thread 2",
        "url": "https://example.invalid/2",
        "note": "deliberately mislabelled: recorded as wrong",
    },
]


def batch(tmp_path: Path) -> tuple[Path, Path]:
    blind = tmp_path / "blind_outcomes.json"
    blind.write_text(json.dumps({"about": "test", "batches": {}}), encoding="utf-8")
    corpus = tmp_path / "fresh99.jsonl"
    corpus.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return corpus, blind


def test_a_batch_is_recorded_once_with_its_commit(tmp_path: Path) -> None:
    corpus, blind = batch(tmp_path)
    record(corpus, "abc1234", blind=blind)
    kept = json.loads(blind.read_text(encoding="utf-8"))["batches"]["fresh99"]
    assert kept["commit"] == "abc1234"
    assert kept["used_for_fit"] is False
    assert [(row[0], row[2]) for row in kept["outcomes"]] == [("zz01", True), ("zz02", False)]
    assert 0.0 < kept["outcomes"][0][1] <= 1.0
    with pytest.raises(SystemExit, match="already measured at abc1234"):
        record(corpus, "def5678", blind=blind)


def test_only_fresh_batches_beside_the_outcomes_are_recorded(tmp_path: Path) -> None:
    corpus, blind = batch(tmp_path)
    other = tmp_path / "dev.jsonl"
    other.write_text(corpus.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SystemExit, match="not a blind batch"):
        record(other, "abc1234", blind=blind)
