"""When nothing matches: the most frequent error-level log templates since the rollout (Drain3)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

from analysis.redact import redact
from providers.model import Evidence

_ERROR_LEVEL = re.compile(
    r"(?i)\b(?:error|err|fatal|critical|crit|panic|exception|traceback|failed|failure|"
    r"refused|denied|forbidden|unauthorized|timed? ?out|killed|back-?off|unhealthy|"
    r"cannot|can't|unable|invalid|not found|warn(?:ing)?)\b|\b[A-Z][A-Za-z]+(?:Error|Exception)\b"
)
_MAX_LINES = 5_000  # enough to see what repeats; bounded so a flood stays cheap
_MAX_LINE = 500
_MASKS = (
    MaskingInstruction(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "UUID"),
    MaskingInstruction(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", "IP"),
    MaskingInstruction(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{12,}\b", "HEX"),
    MaskingInstruction(r"(?<![A-Za-z])[-+]?\d+(?:\.\d+)?(?:ms|s|m|h|Mi|Gi|MiB|GiB|%)?\b", "NUM"),
)


def unmatched_templates(
    evidence: Sequence[Evidence], *, since: datetime | None = None, limit: int = 5
) -> list[str]:
    """Error-level lines clustered into templates, most frequent first, with their counts."""
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.masking_instructions = list(_MASKS)
    miner = TemplateMiner(config=config)
    fed = 0
    for item in evidence:
        if fed >= _MAX_LINES:
            break
        if since is not None and item.timestamp is not None and _before(item.timestamp, since):
            continue
        for line in item.text.split("\n"):
            if line.strip() and _ERROR_LEVEL.search(line):
                miner.add_log_message(redact(line[:_MAX_LINE]))
                fed += 1
    clusters = sorted(miner.drain.clusters, key=lambda c: -c.size)[:limit]
    return [f"{c.size}× {redact(c.get_template())}" for c in clusters]


def _before(at: datetime, since: datetime) -> bool:
    try:
        return at < since
    except TypeError:  # naive vs aware: keep the line rather than guess a zone
        return False
