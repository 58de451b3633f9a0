"""Fit the shipped confidence map on blind outcomes, and check it leave-one-batch-out.

benchmarks/corpus/blind_outcomes.json holds, for each fresh corpus, every case's raw top-1
confidence and whether it was right, as scored by the engine *before anyone read that
batch*. The map in analysis/scoring.py (CALIBRATION) was fitted here: pool-adjacent-violators
over quantile groups, then constrained (below a raw 0.8 lifted but never past --cap; the
identity from 0.8 up). Prints one JSON line: ECE and wrong answers above 0.8 for the raw
confidence, the shipped map, and the constrained map refitted leave-one-batch-out, plus the
map fitted on all batches.

    .venv/bin/python -m benchmarks.calibration [--groups 5] [--cap 0.75]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from analysis.scoring import CALIBRATION
from benchmarks.accuracy import ece, fit_calibration

OUTCOMES = Path(__file__).resolve().parent / "corpus" / "blind_outcomes.json"

Pairs = list[tuple[float, bool]]


def constrained(pairs: Pairs, groups: int, cap: float) -> Callable[[float], float]:
    fitted = fit_calibration(pairs, groups)
    return lambda x: min(x, 0.99) if x >= 0.8 else min(fitted(x), cap)


def figures(pairs: Pairs) -> dict[str, float]:
    return {
        "ece": round(ece(pairs), 4),
        "wrong_above_0_8": sum(1 for c, ok in pairs if c > 0.8 and not ok),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--cap", type=float, default=0.75)
    args = parser.parse_args()
    batches = json.loads(OUTCOMES.read_text())["batches"]
    data: dict[str, Pairs] = {
        name: [(conf, bool(ok)) for _, conf, ok in batch["outcomes"]]
        for name, batch in batches.items()
        if batch.get("used_for_fit", True)
    }
    validation: Pairs = [
        (conf, bool(ok))
        for batch in batches.values()
        if not batch.get("used_for_fit", True)
        for _, conf, ok in batch["outcomes"]
    ]
    every = [p for pairs in data.values() for p in pairs]
    held_out: Pairs = []
    for name, own in data.items():
        train = [p for other, pairs in data.items() if other != name for p in pairs]
        cal = constrained(train, args.groups, args.cap)
        held_out += [(cal(c), ok) for c, ok in own]
    full = fit_calibration(every, args.groups)
    print(
        json.dumps(
            {
                "cases": len(every),
                "accuracy": round(sum(ok for _, ok in every) / len(every), 4),
                "raw": figures(every),
                "shipped": figures([(CALIBRATION(c), ok) for c, ok in every]),
                "leave_one_batch_out": figures(held_out),
                # Batches scored after the map was fitted: an out-of-sample check of it.
                "validation": {
                    "cases": len(validation),
                    "raw": figures(validation),
                    "shipped": figures([(CALIBRATION(c), ok) for c, ok in validation]),
                },
                "fit_on_all": {
                    "raw": [round(x, 3) for x in full.raw],
                    "calibrated": [round(y, 3) for y in full.calibrated],
                    "cap_below_0_8": args.cap,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
