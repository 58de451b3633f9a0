"""How often the learned lead names the root cause where no pattern matched, leave-one-batch-out.

For each blind batch in benchmarks/corpus/blind_outcomes.json, a model is trained on every
other corpus (the other batches, documented.jsonl and ../shared/corpus/dev.jsonl), and its
lead is taken on the cases the engine answered with *no finding* when that batch was first
measured, blind. That is what the lead would have added to the blind figures; nothing in a
batch is used to answer it. Also given: the same over every case of every batch (the model
alone, as a classifier), and the reliability of the shown confidence.

    .venv/bin/python -m benchmarks.learned_fallback
"""

from __future__ import annotations

import json

from analysis.evidence_text import evidence_from_text
from analysis.learned import CORPUS_DIR, corpus_files, train_from
from benchmarks.harness import emit


def main() -> None:
    batches = json.loads((CORPUS_DIR / "blind_outcomes.json").read_text(encoding="utf-8"))
    no_finding = {"cases": 0, "lead": 0, "right": 0}
    every = {"cases": 0, "lead": 0, "right": 0}
    bands: dict[str, list[int]] = {}
    # Batches still being collected or not yet measured stay out of every model.
    pending = [p for p in CORPUS_DIR.glob("fresh*.jsonl") if p.stem not in batches["batches"]]
    for name, batch in sorted(batches["batches"].items()):
        path = CORPUS_DIR / f"{name}.jsonl"
        model = train_from(corpus_files(exclude=[path, *pending]))
        rows = path.read_text(encoding="utf-8").splitlines()
        cases = {c["id"]: c for c in (json.loads(x) for x in rows if x.strip())}
        blind_none = {cid for cid, raw, _ok in batch["outcomes"] if raw == 0}
        for cid, case in cases.items():
            lead = model.lead(evidence_from_text(case["evidence"]))
            right = lead is not None and lead.category == case["label"]
            for tally, counted in ((every, True), (no_finding, cid in blind_none)):
                if counted:
                    tally["cases"] += 1
                    tally["lead"] += lead is not None
                    tally["right"] += right
            if cid in blind_none and lead is not None:
                band = f"{int(lead.confidence * 10) / 10:.1f}"
                bands.setdefault(band, [0, 0])
                bands[band][0] += 1
                bands[band][1] += right
    emit(
        "learned_fallback",
        method="leave-one-batch-out over the blind batches",
        blind_no_finding=no_finding,
        blind_no_finding_right_share=round(no_finding["right"] / max(no_finding["cases"], 1), 3),
        right_share_when_a_lead_is_given=round(no_finding["right"] / max(no_finding["lead"], 1), 3),
        all_cases_model_alone=every,
        all_cases_right_share=round(every["right"] / max(every["cases"], 1), 3),
        shown_confidence_bands={k: {"n": v[0], "right": v[1]} for k, v in sorted(bands.items())},
    )


if __name__ == "__main__":
    main()
