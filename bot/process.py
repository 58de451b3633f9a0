"""Process-wide tuning for a long-running bot: garbage collection suited to many live diagnoses."""

from __future__ import annotations

import gc

# A diagnosis allocates ~10^4 containers (evidence, JSON values). With the default
# thresholds, full collections over hundreds of live diagnoses took up to 250 ms
# each (docs/OPERATIONS.md); collecting young objects less often keeps them rare.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Raise the collector's thresholds and freeze start-up objects out of its scans.

    Call once, after start-up (patterns compiled, clients built): what exists then
    lives for the whole process, so the collector need not walk it again.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    gc.collect()
    gc.freeze()
