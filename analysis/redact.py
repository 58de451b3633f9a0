"""Mask secrets (keys, tokens, passwords, connection strings) before any text leaves the engine."""

from __future__ import annotations

import re

# Order matters: whole blocks and URLs first, so later rules do not split them.
# Quantifiers are bounded so a multi-megabyte line cannot make a rule quadratic.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        "[REDACTED:private_key]",
    ),
    # user:password@ in any scheme://, e.g. postgres://app:hunter2@db:5432/app
    (
        re.compile(r"(?i)([a-z][a-z0-9+.\-]{1,20}://)[^\s:/@\"']{1,256}:[^\s@\"']{1,256}@"),
        r"\1[REDACTED:credentials]@",
    ),
    (
        re.compile(r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])"),
        "[REDACTED:aws_key]",
    ),
    (
        re.compile(r"eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}"),
        "[REDACTED:jwt]",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{8,}=*"), r"\1 [REDACTED:token]"),
    (
        re.compile(
            r"\b(?:xox[abposr]|xapp|ghp|gho|ghs|github_pat|glpat|sk_live)[-_][A-Za-z0-9_\-]{8,}"
        ),
        "[REDACTED:token]",
    ),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), "[REDACTED:api_key]"),
    # key=value / key: value / "key": "value" for secret-looking keys (ODBC strings included).
    (
        re.compile(
            r"(?i)([\w.\-]{0,64}(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key"
            r"|private[_\-]?key|client[_\-]?secret|credentials?)[\w.\-]{0,64}"
            r"[\"']?\s*[=:]\s*)(\"[^\"\n]{0,512}\"?|'[^'\n]{0,512}'?|[^\s,;&\"'}\]]{1,512})"
        ),
        r"\1[REDACTED:secret]",
    ),
)


# A line that is nothing but base64 (PEM bodies, dumped keys) once its BEGIN line is gone.
_KEY_MATERIAL = re.compile(r"(?m)^[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*$")


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by a labelled mask."""
    for rx, mask in _RULES:
        text = rx.sub(mask, text)
    return _KEY_MATERIAL.sub("[REDACTED:key_material]", text)
