"""Root-cause accuracy on a labelled corpus: top-1/3, per-category P/R, confusion, ECE, misses.

Usage: python -m benchmarks.accuracy [CORPUS.jsonl] [--details] [--folds K] [--unblind]
                                     [--record COMMIT]
Prints one JSON line of figures on stdout; --details prints every wrong case,
the confusion matrix and the calibration table on stderr. --record measures a new
blind batch (benchmarks/corpus/freshN.jsonl) once, before anyone reads it, and
appends its outcomes to blind_outcomes.json under the engine commit given (the
learned lead then trains on no batch that is not yet measured).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.engine import LEARNED, Engine  # noqa: E402
from analysis.evidence_text import evidence_from_text  # noqa: E402
from analysis.learned import corpus_files, train_from  # noqa: E402
from analysis.model import CATEGORIES  # noqa: E402
from analysis.scoring import CALIBRATION, IDENTITY, Calibration  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dev.jsonl"
BLIND = REPO / "benchmarks" / "corpus" / "blind_outcomes.json"
NONE = "none"
BINS = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine said about one case."""

    case_id: str
    label: str
    ranked: tuple[str, ...]
    raw_confidence: float
    pattern: str
    evidence: str
    note: str

    @property
    def top(self) -> str:
        return self.ranked[0] if self.ranked else NONE


def run(corpus: Path, exclude: list[Path] | None = None) -> list[Outcome]:
    """Analyse each case with the uncalibrated engine (calibration is evaluated separately).

    The learned lead is trained on every corpus except this one (and `exclude`), so a
    case is never answered by a model that has read it.
    """
    learned = train_from(corpus_files(exclude=[corpus, *(exclude or [])]))
    engine = Engine(Engine.load().library, calibration=IDENTITY, learned=learned)
    outcomes: list[Outcome] = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        analysis = engine.analyze(evidence_from_text(case["evidence"]), platform=case["platform"])
        top = analysis.findings[0] if analysis.findings else None
        outcomes.append(
            Outcome(
                case_id=case["id"],
                label=case["label"],
                ranked=tuple(f.category for f in analysis.findings),
                raw_confidence=top.confidence if top else 0.0,
                pattern=top.pattern if top else "",
                evidence=top.evidence[0] if top and top.evidence else "",
                note=case.get("note", ""),
            )
        )
    return outcomes


def ece(pairs: list[tuple[float, bool]]) -> float:
    """Expected calibration error over equal-width confidence bins."""
    total = len(pairs)
    if not total:
        return 0.0
    error = 0.0
    for b in range(BINS):
        lo, hi = b / BINS, (b + 1) / BINS
        in_bin = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == BINS - 1 and c == 1.0)]
        if in_bin:
            conf = sum(c for c, _ in in_bin) / len(in_bin)
            acc = sum(ok for _, ok in in_bin) / len(in_bin)
            error += len(in_bin) / total * abs(conf - acc)
    return error


def fit_calibration(pairs: list[tuple[float, bool]], knots: int = 5) -> Calibration:
    """Monotone raw -> observed-accuracy map (pool adjacent violators over quantile groups)."""
    if len(pairs) < knots:
        return IDENTITY
    ordered = sorted(pairs)
    size = len(ordered) / knots
    groups = [ordered[int(i * size) : int((i + 1) * size)] for i in range(knots)]
    points = [
        [sum(c for c, _ in g) / len(g), sum(ok for _, ok in g) / len(g), len(g)]
        for g in groups
        if g
    ]
    merged: list[list[float]] = []
    for point in points:  # pool adjacent violators keeps the map monotone
        merged.append(point)
        while len(merged) > 1 and merged[-2][1] > merged[-1][1]:
            b, a = merged.pop(), merged.pop()
            n = a[2] + b[2]
            merged.append([(a[0] * a[2] + b[0] * b[2]) / n, (a[1] * a[2] + b[1] * b[2]) / n, n])
    xs = [0.0, *[p[0] for p in merged], 1.0]
    ys = [0.0, *[p[1] for p in merged], max(p[1] for p in merged)]
    for i in range(1, len(xs)):  # strictly increasing knots for the piecewise map
        xs[i] = max(xs[i], xs[i - 1] + 1e-6)
    return Calibration(tuple(min(x, 1.0) for x in xs), tuple(ys))


def cross_validated(outcomes: list[Outcome], folds: int) -> list[tuple[float, bool]]:
    """Calibrated confidence for each case from a map fitted on the other folds only."""
    order = list(range(len(outcomes)))
    random.Random(7).shuffle(order)
    result: list[tuple[float, bool]] = [(0.0, False)] * len(outcomes)
    for k in range(folds):
        held = set(order[k::folds])
        train = [
            (o.raw_confidence, o.top == o.label) for i, o in enumerate(outcomes) if i not in held
        ]
        cal = fit_calibration(train)
        for i in held:
            o = outcomes[i]
            result[i] = (cal(o.raw_confidence), o.top == o.label)
    return result


def in_tuning_half(case_id: str) -> bool:
    """The half whose failing cases' evidence was read while writing patterns (sha1(id) even)."""
    return int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 2 == 0


def top1(outcomes: list[Outcome]) -> float:
    return round(sum(o.top == o.label for o in outcomes) / len(outcomes), 4) if outcomes else 0.0


def per_category(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for cat in CATEGORIES:
        tp = sum(1 for o in outcomes if o.top == cat and o.label == cat)
        predicted = sum(1 for o in outcomes if o.top == cat)
        actual = sum(1 for o in outcomes if o.label == cat)
        table[cat] = {
            "precision": round(tp / predicted, 3) if predicted else 0.0,
            "recall": round(tp / actual, 3) if actual else 0.0,
            "n": actual,
        }
    return table


def details(
    outcomes: list[Outcome], cv_pairs: list[tuple[float, bool]], *, unblind: bool = False
) -> None:
    err = sys.stderr
    print("\n## Wrong top-1 cases\n", file=err)
    for o, (cal, _) in zip(outcomes, cv_pairs, strict=True):
        if o.top != o.label and not (unblind or in_tuning_half(o.case_id)):
            # Held-out half: no evidence, no note, so reading this output cannot tune on it.
            print(f"- {o.case_id} (held out): expected {o.label}, got {o.top}", file=err)
        elif o.top != o.label:
            print(
                f"- {o.case_id}: expected {o.label}, got {o.top} (raw {o.raw_confidence:.2f}, "
                f"cv-calibrated {cal:.2f}, pattern {o.pattern or '-'}; ranked {list(o.ranked[:3])})"
                f"\n  top evidence: {o.evidence[:160]!r}\n  label note: {o.note}",
                file=err,
            )
    print("\n## Confusion matrix (rows = label, columns = top-1)\n", file=err)
    cols = [*CATEGORIES, NONE]
    counts = Counter((o.label, o.top) for o in outcomes)
    print("| label | " + " | ".join(c[:8] for c in cols) + " |", file=err)
    print("|---" * (len(cols) + 1) + "|", file=err)
    for row in CATEGORIES:
        cells = [str(counts[(row, c)] or ".") for c in cols]
        print(f"| {row} | " + " | ".join(cells) + " |", file=err)
    raw_pairs = [(o.raw_confidence, o.top == o.label) for o in outcomes]
    for title, pairs in (("shipped (raw noisy-OR)", raw_pairs), ("5-fold calibrated", cv_pairs)):
        print(f"\n## Reliability: {title} top-1 confidence\n", file=err)
        for b in range(BINS):
            lo, hi = b / BINS, (b + 1) / BINS
            in_bin = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == BINS - 1 and c == 1.0)]
            if in_bin:
                acc = sum(ok for _, ok in in_bin) / len(in_bin)
                print(f"- [{lo:.1f}, {hi:.1f}): n={len(in_bin)} accuracy={acc:.2f}", file=err)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--unblind",
        action="store_true",
        help="also print the held-out half's evidence and notes (spoils it as a held-out set)",
    )
    parser.add_argument(
        "--record",
        metavar="COMMIT",
        help="measure a new blind batch once and append its outcomes to blind_outcomes.json",
    )
    args = parser.parse_args()
    # A recorded batch reports the very outcomes it kept.
    outcomes = record(args.corpus, args.record) if args.record else run(args.corpus)
    n = len(outcomes)
    raw_pairs = [(o.raw_confidence, o.top == o.label) for o in outcomes]
    cv_pairs = cross_validated(outcomes, args.folds)
    # What a report states: the shipped map (fitted on the blind outcomes of the fresh corpora).
    shipped_pairs = [(CALIBRATION(c), ok) for c, ok in raw_pairs]
    figures = {
        "cases": n,
        "top1": round(sum(o.top == o.label for o in outcomes) / n, 4),
        "top3": round(sum(o.label in o.ranked[:3] for o in outcomes) / n, 4),
        "top1_tuning_half": top1([o for o in outcomes if in_tuning_half(o.case_id)]),
        "top1_other_half": top1([o for o in outcomes if not in_tuning_half(o.case_id)]),
        "no_finding": sum(o.top == NONE for o in outcomes),
        # Answers from the learned lead (model trained without this corpus), and how many right.
        "learned_leads": sum(o.pattern == LEARNED for o in outcomes),
        "learned_leads_right": sum(o.pattern == LEARNED and o.top == o.label for o in outcomes),
        "wrong_above_0_8_raw": sum(1 for c, ok in raw_pairs if c > 0.8 and not ok),
        "wrong_above_0_8_shipped": sum(1 for c, ok in shipped_pairs if c > 0.8 and not ok),
        "wrong_above_0_8_cv_calibrated": sum(1 for c, ok in cv_pairs if c > 0.8 and not ok),
        "ece_raw": round(ece(raw_pairs), 4),
        "ece_shipped": round(ece(shipped_pairs), 4),
        "ece_cv_calibrated": round(ece(cv_pairs), 4),
        "folds": args.folds,
        "per_category": per_category(outcomes),
    }
    print(json.dumps(figures))
    if args.details:
        details(outcomes, cv_pairs, unblind=args.unblind)


def record(corpus: Path, commit: str, blind: Path = BLIND) -> list[Outcome]:
    """Score a batch nobody has read and keep its outcomes: the clean figure, taken once."""
    data = json.loads(blind.read_text(encoding="utf-8"))
    batches = data["batches"]
    name = corpus.stem
    if not name.startswith("fresh") or corpus.parent.resolve() != blind.parent.resolve():
        raise SystemExit(f"--record: {corpus} is not a blind batch under {blind.parent}")
    if name in batches:
        raise SystemExit(f"--record: {name} was already measured at {batches[name]['commit']}")
    # Batches still being collected or not yet measured are kept out of the learned lead.
    pending = [p for p in blind.parent.glob("fresh*.jsonl") if p.stem not in batches]
    outcomes = run(corpus, exclude=pending)
    batches[name] = {
        "commit": commit,
        "used_for_fit": False,
        "outcomes": [[o.case_id, round(o.raw_confidence, 4), o.top == o.label] for o in outcomes],
    }
    blind.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    right = sum(o.top == o.label for o in outcomes)
    print(f"recorded {name}: {right}/{len(outcomes)} right at {commit}", file=sys.stderr)
    return outcomes


if __name__ == "__main__":
    main()
