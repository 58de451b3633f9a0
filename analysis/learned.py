"""A learned lead for evidence that no documented message matches.

When no pattern (not even a category's vocabulary) reaches a finding and some line
reports a failure, the words of the lines (failure lines first) are compared with the
labelled failures of the project's corpora (public issue threads: benchmarks/corpus/*.jsonl
and ../shared/corpus/dev.jsonl) by a naive Bayes model over words and word pairs. Its
answer is shown as a *lead*: a low, capped confidence, the lines that weighed most, the
category's general fixes, and the unmatched templates beside it — never as a documented
match.

The model is data (analysis/learned.json), rebuilt with

    .venv/bin/python -m analysis.learned train

and a test checks that the committed file is what the corpora produce. Its accuracy is
measured by leave-one-batch-out (`python -m benchmarks.learned_fallback`), and
`benchmarks.accuracy` scores each corpus with a model trained without it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.model import CATEGORIES, Category
from providers.model import Evidence

MODEL_PATH = Path(__file__).with_name("learned.json")
CORPUS_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus"
DEV_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "dev.jsonl"
MIN_DF = 2  # a word seen in one case only says nothing general
MAX_LINES = 200
MAX_LINE = 500
MIN_KNOWN = 3  # fewer known words than this: no lead
MIN_PROBABILITY = 0.5
# Leave-one-batch-out, the top answer on evidence no pattern matched was right ~60 % of the
# time, whatever the model's own probability: the shown confidence stays in that band.
BASE, SPAN = 0.3, 0.25
_WORD = re.compile(r"[a-z][a-z_]{2,40}")
# A line that reports a failure (not "timeout=5s", "failure=3" or "timeout set to 30s" in settings).
_FAILURE = re.compile(
    r"(?i)\b(?:error|fatal|panic|exception|traceback|fail(?:ed|ure|ing)?|refused|denied|"
    r"forbidden|unauthori[sz]ed|unable|cannot|can't|could not|couldn't|did not|killed|crash\w*|"
    r"back-?off|unhealthy|not found|no such|no module|timed out|time-?out|deadline|exceed\w*|"
    r"exited(?! with (?:code|status) 0\b)|terminated|evicted|oom\w*|insufficient|unavailable|"
    r"unreachable|not reachable|not ready|not listening|inaccessible|invalid|missing|"
    r"warn(?:ing)?|nil pointer)\b"
    r"(?![\"']?\s*(?:[=:]|set to)\s*\d)|\b[A-Z][A-Za-z]+(?:Error|Exception)\b"
)


# A deprecation notice says "warning", an optional part skipped says "could not find", but
# neither reports anything that failed.
_NOTICE = re.compile(
    r"(?i)\bdeprecat(?:ed|ion)\b|\boptional\b[^\n]{0,80}\b(?:skipp|continu|ignor)|"
    r"\bcontinuing without\b"
)


def words(text: str) -> set[str]:
    """Lower-case words (no digits, ids or hex) and adjacent pairs."""
    found = _WORD.findall(text.lower())
    return set(found) | {f"{a} {b}" for a, b in itertools.pairwise(found)}


def lead_lines(evidence: Sequence[Evidence]) -> list[str]:
    """Failure lines first, then the rest; nothing at all when no line reports a failure."""
    failing: list[str] = []
    other: list[str] = []
    for item in evidence:
        for line in item.text.split("\n"):
            if line.strip():
                failure = _FAILURE.search(line) and not _NOTICE.search(line)
                (failing if failure else other).append(line[:MAX_LINE])
    return (failing + other)[:MAX_LINES] if failing else []


@dataclass(frozen=True)
class Lead:
    category: Category
    probability: float  # the model's own, overconfident as naive Bayes is
    confidence: float  # what is shown: BASE + SPAN * probability
    lines: tuple[str, ...]  # the lines whose words weighed most for the category
    known_words: int


class TokenModel:
    """Naive Bayes over word presence: one weight per word and category (CATEGORIES order)."""

    def __init__(self, cases: Sequence[int], counts: Mapping[str, Sequence[int]]) -> None:
        self.cases = tuple(cases)
        self.counts = counts
        total = sum(self.cases)
        self._prior = [math.log((n + 1) / (total + len(CATEGORIES))) for n in self.cases]
        # log P(word | category) - log P(word | other categories): presence evidence only.
        self._weights: dict[str, tuple[float, ...]] = {}
        for word, per in counts.items():
            seen = sum(per)
            self._weights[word] = tuple(
                math.log((per[c] + 0.1) / (self.cases[c] + 0.2))
                - math.log((seen - per[c] + 0.1) / (total - self.cases[c] + 0.2))
                for c in range(len(CATEGORIES))
            )

    @classmethod
    def train(cls, items: Iterable[tuple[str, str]]) -> TokenModel:
        cases = [0] * len(CATEGORIES)
        index = {c: i for i, c in enumerate(CATEGORIES)}
        per_word: dict[str, list[int]] = {}
        df: Counter[str] = Counter()
        for text, label in items:
            if label not in index:
                continue
            cases[index[label]] += 1
            for word in words(text):
                per_word.setdefault(word, [0] * len(CATEGORIES))[index[label]] += 1
                df[word] += 1
        kept = {w: per_word[w] for w in sorted(per_word) if df[w] >= MIN_DF}
        return cls(cases, kept)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> TokenModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("categories") != list(CATEGORIES):
            raise ValueError(f"{path}: trained for other categories; retrain it")
        return cls(data["cases"], data["words"])

    def to_json(self, trained_on: Sequence[str]) -> str:
        return (
            json.dumps(
                {
                    "about": "analysis/learned.py: the lead for evidence no pattern matches",
                    "trained_on": list(trained_on),
                    "categories": list(CATEGORIES),
                    "cases": list(self.cases),
                    "words": self.counts,
                },
                separators=(",", ":"),
                sort_keys=True,
            )
            + "\n"
        )

    def lead(self, evidence: Sequence[Evidence]) -> Lead | None:
        """The most likely category for these lines, or None when the words are unknown."""
        lines = lead_lines(evidence)
        per_line = [words(line) for line in lines]
        known = set().union(*per_line) & self._weights.keys() if per_line else set()
        if len(known) < MIN_KNOWN:
            return None
        totals = list(self._prior)
        for word in known:
            for c, weight in enumerate(self._weights[word]):
                totals[c] += weight
        top = max(range(len(totals)), key=totals.__getitem__)
        peak = totals[top]
        probability = 1.0 / sum(math.exp(t - peak) for t in totals)
        if probability < MIN_PROBABILITY:
            return None
        ranked = sorted(
            range(len(lines)),
            key=lambda i: -sum(self._weights[w][top] for w in per_line[i] & known),
        )
        shown = tuple(lines[i] for i in ranked[:3])
        return Lead(
            category=CATEGORIES[top],
            probability=probability,
            confidence=round(BASE + SPAN * probability, 3),
            lines=shown,
            known_words=len(known),
        )


def corpus_files(exclude: Iterable[Path] = ()) -> list[Path]:
    """The labelled corpora the model learns from, minus any excluded (for honest scoring)."""
    skip = {p.resolve() for p in exclude}
    files = sorted(CORPUS_DIR.glob("*.jsonl"))
    if DEV_CORPUS.exists():
        files.append(DEV_CORPUS)
    return [f for f in files if f.resolve() not in skip]


def train_from(files: Iterable[Path]) -> TokenModel:
    items: list[tuple[str, str]] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                items.append((str(case.get("evidence", "")), str(case.get("label", ""))))
    return TokenModel.train(items)


def _relative(path: Path) -> str:
    root = CORPUS_DIR.parent.parent
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return f"../shared/corpus/{path.name}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.learned")
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    if not DEV_CORPUS.exists():
        print(f"warning: {DEV_CORPUS} not found; training without it", file=sys.stderr)
    files = corpus_files()
    model = train_from(files)
    args.out.write_text(shipped_json(model, files), encoding="utf-8")
    print(
        f"trained on {sum(model.cases)} cases from {len(files)} files; "
        f"{len(model.counts)} words -> {args.out}",
        file=sys.stderr,
    )
    return 0


def shipped_json(model: TokenModel, files: Sequence[Path]) -> str:
    """The model file's text, naming the corpora it was trained on."""
    return model.to_json([_relative(f) for f in files])


if __name__ == "__main__":
    raise SystemExit(main())
