"""The diagnosis engine: match the library over a batch, score, apply causality, explain."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from analysis.causality import apply_rules
from analysis.health import ANSWERED, REQUESTED, health_path_error
from analysis.learned import MODEL_PATH, Lead, TokenModel
from analysis.library import Library, Pattern, Signal, load_library
from analysis.matcher import Matcher, RegexSpec, build_matcher, regex_specs
from analysis.model import Analysis, Category, Finding
from analysis.ports import CHECKED, EXPECTED, LISTENING, port_loopback, port_match, port_mismatch
from analysis.redact import redact
from analysis.scoring import CALIBRATION, Calibration, CategoryScore, SignalKey, score
from analysis.startup import STARTED, WINDOW, slow_start
from analysis.templates import unmatched_templates
from analysis.timeline import tell
from providers.errors import ConfigError
from providers.model import AttributeValue, Evidence

REPORT_MIN = 0.2  # below this a category is noise, not a finding
CONFIDENT = 0.5  # no finding at or above this: show the unmatched templates too
MAX_EVIDENCE = 8
MAX_LINE = 500
PLATFORMS = ("kubernetes", "ecs", "cloudrun", "generic")
# Derived facts that patterns can test like attributes (`attribute: derived.port_mismatch`).
PORT_MISMATCH = "derived.port_mismatch"
PORT_MATCH = "derived.port_match"  # the app listens on all interfaces on the port checked
PORT_LOOPBACK = "derived.port_loopback"  # the app listens on loopback only, on the port checked
SLOW_START = "derived.slow_start"  # the app took longer to start than the platform waits
HEALTH_PATH_ERROR = "derived.health_path_error"  # a health path was requested and refused
LEARNED = "learned-lead"  # the pattern id of a lead from analysis/learned.py
# Scanned with the library, checked per line.
_AUX = (EXPECTED, LISTENING, STARTED, WINDOW, REQUESTED, ANSWERED, CHECKED)
# fact -> (check, the two _AUX lists it compares)
_DERIVED = (
    (PORT_MISMATCH, port_mismatch, 0, 1),
    (PORT_MATCH, port_match, 0, 1),
    (PORT_LOOPBACK, port_loopback, 6, 1),
    (SLOW_START, slow_start, 2, 3),
    (HEALTH_PATH_ERROR, health_path_error, 4, 5),
)
# Re-diagnoses of a service show the same evidence lines: each is redacted once per process
# (redaction is pure; bounded, as keys are lines of up to 2,000 characters).
_redact = lru_cache(maxsize=2048)(redact)


class Engine:
    """A compiled pattern library, ready to analyse any number of evidence batches."""

    def __init__(
        self,
        library: Library,
        *,
        matcher: Callable[[Sequence[RegexSpec]], Matcher] = build_matcher,
        calibration: Calibration = CALIBRATION,
        learned: TokenModel | None = None,
    ) -> None:
        self.library = library
        self.learned = learned
        # The category's vocabulary pattern lends a learned lead its fixes and docs.
        self._vocabulary = {p.category: p for p in library.patterns if p.fallback}
        specs = regex_specs(library)
        self._n_library = len(specs)
        self._fallback = frozenset(i for i, p in enumerate(library.patterns) if p.fallback)
        self._fallback_ids = frozenset(library.patterns[i].id for i in self._fallback)
        # Patterns whose failure mode cannot happen on a platform are not scored there: on
        # Fargate a client refused at 127.0.0.1 means its host was never configured.
        self._elsewhere = {
            platform: frozenset(
                i for i, p in enumerate(library.patterns) if not p.applies_to(platform)
            )
            for platform in PLATFORMS
        }
        specs += [RegexSpec(len(specs) + i, -1, i, rx, False) for i, rx in enumerate(_AUX)]
        self.matcher = matcher(specs)  # hyperscan, or RE2's Set where it cannot be installed
        self._spec_keys: list[SignalKey] = [(s.pattern_index, s.signal_index) for s in specs]
        self._attr_signals: dict[str, list[tuple[SignalKey, Signal]]] = {}
        for p_index, pattern in enumerate(library.patterns):
            for s_index, signal in enumerate(pattern.signals):
                if signal.attribute is not None:
                    bucket = self._attr_signals.setdefault(signal.attribute, [])
                    bucket.append(((p_index, s_index), signal))
        self._calibration = calibration

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = ()) -> Engine:
        """Built-in patterns plus user dirs; ConfigError names the bad file and pattern."""
        return cls(load_library(extra_dirs), learned=load_learned())

    def analyze(
        self,
        evidence: Sequence[Evidence],
        *,
        platform: str = "generic",
        context: Mapping[str, str] | None = None,
    ) -> Analysis:
        """Findings (one per category, most confident first), templates, timeline and story."""
        started = time.perf_counter()
        lines, owner = _lines([e.text for e in evidence])
        hits: dict[SignalKey, list[int]] = {}
        aux: tuple[list[int], ...] = tuple([] for _ in _AUX)
        for line, rid in sorted(self.matcher.scan(lines)):
            if rid < self._n_library:
                hits.setdefault(self._spec_keys[rid], []).append(line)
            else:
                aux[rid - self._n_library].append(line)
        owner = self._derived_hits(evidence, lines, owner, hits, aux)
        owner = self._attribute_hits(evidence, lines, owner, hits)
        elsewhere = self._elsewhere.get(platform, frozenset())
        if elsewhere:
            hits = {k: v for k, v in hits.items() if k[0] not in elsewhere}
        scores = score(self.library, {k: v for k, v in hits.items() if k[0] not in self._fallback})
        if self._fallback and not any(s.confidence >= REPORT_MIN for s in scores.values()):
            scores = score(self.library, hits)  # nothing documented matched: the vocabulary
        explains = apply_rules(scores)
        findings = [
            self._finding(s, lines, platform, context or {}, explains.get(s.category, []))
            for s in sorted(scores.values(), key=lambda s: -s.confidence)
        ]
        findings = [f for f in findings if f.confidence >= REPORT_MIN]
        if not findings and self.learned is not None:
            lead = self.learned.lead(evidence)
            if lead is not None:
                findings = [self._lead_finding(lead, platform, context or {})]
        templates: list[str] = []
        # A vocabulary or learned lead is never the whole answer: the templates show where
        # else to look.
        if (
            not findings
            or findings[0].confidence < CONFIDENT
            or findings[0].pattern in self._fallback_ids
            or findings[0].pattern == LEARNED
        ):
            templates = unmatched_templates(evidence)
        top = findings[0] if findings else None
        first_error = self._first_error(evidence, scores, owner, top)
        story = tell(evidence, top, first_error)
        return Analysis(
            findings=findings,
            unmatched_templates=templates,
            timeline=story.timeline,
            story=story.line,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    def _derived_hits(
        self,
        evidence: Sequence[Evidence],
        lines: list[str],
        owner: list[int] | None,
        hits: dict[SignalKey, list[int]],
        aux: tuple[list[int], ...],
    ) -> list[int] | None:
        """Facts computed across lines (ports, start-up time), fed to `derived.*` signals."""

        def owned(line: int) -> tuple[int, str]:
            return (owner[line] if owner is not None else line, lines[line])

        for fact, check, first, second in _DERIVED:
            signals = self._attr_signals.get(fact)
            if not signals or not aux[first] or not aux[second]:
                continue
            shown = check([owned(i) for i in aux[first]], [owned(i) for i in aux[second]])
            if not shown:
                continue
            owners = owner if owner is not None else list(range(len(lines)))
            for index in shown:
                lines.append(evidence[index].text.split("\n", 1)[0])
                owners.append(index)
                for key, _signal in signals:
                    hits.setdefault(key, []).append(len(lines) - 1)
            owner = owners
        return owner

    def _attribute_hits(
        self,
        evidence: Sequence[Evidence],
        lines: list[str],
        owner: list[int] | None,
        hits: dict[SignalKey, list[int]],
    ) -> list[int]:
        """Attribute signals; each hit adds its evidence's text as a line. Returns the owner map."""
        owners = owner if owner is not None else list(range(len(lines)))
        for index, item in enumerate(evidence):
            if not item.attributes:
                continue
            for name, value in item.attributes.items():
                for key, signal in self._attr_signals.get(name, ()):
                    if _attribute_matches(signal, value):
                        lines.append(item.text.split("\n", 1)[0] or f"{name}={value}")
                        owners.append(index)
                        hits.setdefault(key, []).append(len(lines) - 1)
        return owners

    def _finding(
        self,
        found: CategoryScore,
        lines: Sequence[str],
        platform: str,
        context: Mapping[str, str],
        explains: Sequence[Category],
    ) -> Finding:
        pattern = self.library.patterns[found.pattern_index]
        whys: list[str] = []
        for p_index, s_index in found.signals:
            signal = self.library.patterns[p_index].signals[s_index]
            why = signal.why if signal.weight > 0 else f"but {signal.why}"
            if why not in whys:
                whys.append(why)
        fixes = pattern.fixes.get(platform if platform in PLATFORMS else "generic")
        if not fixes:
            fixes = pattern.fixes["generic"]
        evidence: list[str] = []
        seen: set[str] = set()
        for line_index in found.evidence:
            raw = lines[line_index][: MAX_LINE * 4].strip()
            if raw in seen:  # a line repeated a thousand times is redacted once
                continue
            seen.add(raw)
            # Redact a generous prefix, then clip: a secret is masked before the cut can split it.
            text = _clip(_redact(raw))
            if text and text not in evidence:
                evidence.append(text)
            if len(evidence) >= MAX_EVIDENCE:
                break
        filled = _captured(pattern, evidence, context)
        return Finding(
            category=found.category,
            pattern=pattern.id,
            title=pattern.title,
            confidence=self._calibration(found.confidence),
            evidence=tuple(evidence),
            explanation=_redact("; ".join(whys[:4]) + _explains(explains)),
            fixes=tuple(fill_placeholders(f, filled) for f in fixes),
            docs_url=pattern.docs_for(platform),
        )

    def _lead_finding(self, lead: Lead, platform: str, context: Mapping[str, str]) -> Finding:
        """A learned lead as a finding: low confidence, the weightiest lines, general fixes."""
        vocabulary = self._vocabulary.get(lead.category)
        fixes: list[str] = []
        docs_url = None
        if vocabulary is not None:
            chosen = vocabulary.fixes.get(platform if platform in PLATFORMS else "generic")
            fixes = list(chosen or vocabulary.fixes.get("generic") or ())
            docs_url = vocabulary.docs_for(platform)
        return Finding(
            category=lead.category,
            pattern=LEARNED,
            title=(
                f"Lead: these lines resemble {lead.category} failures "
                "(no documented message matched)"
            ),
            confidence=lead.confidence,
            evidence=tuple(_clip(_redact(line)) for line in lead.lines),
            explanation=(
                f"no documented message matched; {lead.known_words} words of these lines "
                f"resemble labelled {lead.category} failures from public incident threads "
                "(a statistical lead, not a match: check the lines and the templates below)"
            ),
            fixes=tuple(fill_placeholders(f, context) for f in fixes),
            docs_url=docs_url,
        )

    @staticmethod
    def _first_error(
        evidence: Sequence[Evidence],
        scores: Mapping[Category, CategoryScore],
        owner: Sequence[int],
        top: Finding | None,
    ) -> int | None:
        """The earliest timestamped evidence behind the top finding."""
        if top is None or top.category not in scores:
            return None
        stamped = [owner[i] for i in scores[top.category].evidence if evidence[owner[i]].timestamp]
        if not stamped:
            return None
        return min(stamped, key=lambda i: _sort_key(evidence[i]))


def load_learned(path: Path = MODEL_PATH) -> TokenModel | None:
    """The shipped lead model; None (no leads, patterns unaffected) if it is absent."""
    if not path.exists():
        return None
    try:
        return TokenModel.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: cannot load the learned lead model: {exc}") from exc


def _lines(texts: list[str]) -> tuple[list[str], list[int] | None]:
    """Split multi-line evidence into lines; `None` owner map means line i is evidence i."""
    if "\n".join(texts).count("\n") == max(len(texts) - 1, 0):
        return list(texts), None
    lines: list[str] = []
    owner: list[int] = []
    for index, text in enumerate(texts):
        for line in text.split("\n"):
            lines.append(line)
            owner.append(index)
    return lines, owner


def _attribute_matches(signal: Signal, value: AttributeValue) -> bool:
    if signal.equals is not None:
        if isinstance(value, str):
            return any(isinstance(e, str) and e.lower() == value.lower() for e in signal.equals)
        return not isinstance(value, bool) and value in signal.equals
    if signal.gte is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return value >= signal.gte
    return False


# A captured value goes into a shell command: names, ARNs and e-mail-like accounts only.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.@:/+=,-]{1,300}")


def _captured(
    pattern: Pattern, evidence: Sequence[str], context: Mapping[str, str]
) -> Mapping[str, str]:
    """Placeholders read from the (already redacted) evidence, under the deployment's context."""
    if not pattern.captures:
        return context
    found: dict[str, str] = {}
    for name, regex in pattern.captures.items():
        for line in evidence:
            match = re.search(regex, line)
            if match and match.group(1) and _SAFE_VALUE.fullmatch(match.group(1)):
                found[name] = match.group(1)
                break
    return {**found, **context}


def _explains(symptoms: Sequence[Category]) -> str:
    if not symptoms:
        return ""
    return f"; it also explains the {', '.join(symptoms)} evidence, ranked below it as a symptom"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _sort_key(item: Evidence) -> float:
    return item.timestamp.timestamp() if item.timestamp is not None else float("inf")


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def fill_placeholders(template: str, context: Mapping[str, str]) -> str:
    """`{deployment}` -> the target's value; unknown ones stay readable as `<deployment>`."""
    try:
        return template.format_map(_Placeholders(context))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template
