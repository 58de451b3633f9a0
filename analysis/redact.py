"""Mask secrets (keys, tokens, passwords, connection strings) before any text leaves the engine."""

from __future__ import annotations

import re
from collections.abc import Callable

# key=value / key: value / "key": "value" for secret-looking keys (ODBC strings included).
_KEY_VALUE = re.compile(
    r"(?i)([\w.\-]{0,64}(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key"
    r"|private[_\-]?key|client[_\-]?secret|credentials?)[\w.\-]{0,64})"
    r"([\"']?\s*[=:]\s*)((?:bearer|basic)\s+[^\s,;&\"'}\]]{1,512}"
    r"|\"[^\"\n]{0,512}\"?|'[^'\n]{0,512}'?|[^\s,;&\"'}\]]{1,512})"
)
_SECRET_WORD = re.compile(
    r"(?i)password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|credential"
)
# A field that NAMES or points at a secret (secretKeyRef, secret_key_ref.name, secretName,
# secretsmanager, token_url, password_file) holds a resource name, not the secret's value.
_NAMING_FIELD = re.compile(
    r"(?i)(?:name|names|ref|refs|reference|manager|arn|id|ids|path|file|url|uri|endpoint"
    r"|version|versions|provider|store|type|kind|source|mount|count|length|ttl|expiry"
    r"|expiration|expires_in|policy|role|accessor)$"
)
# References, not values: GCP `projects/p/secrets/s[/versions/v]`, any ARN, and kubectl
# describe's `DB_PASSWORD:  <set to the key 'password' in secret 'db'>`.
_RESOURCE_VALUE = re.compile(r"[\"']?(?:projects/[\w.\-]+/secrets/|arn:aws[\w\-]*:|<set\b)")
# Words of a message, not values: MySQL's "(using password: YES)" / "(using password: NO)",
# containerd's "failed to fetch anonymous token: unexpected status: 403".
_MESSAGE_WORD = re.compile(r"(?:YES|NO)\)?|unexpected")


def _mask_value(match: re.Match[str]) -> str:
    key, separator, value = match.group(1, 2, 3)
    field = key.rsplit(".", 1)[-1]
    if not _SECRET_WORD.search(field) or _NAMING_FIELD.search(field):
        return match.group(0)
    if _RESOURCE_VALUE.match(value) or _inside_arn(match.string, match.start()):
        return match.group(0)
    if _MESSAGE_WORD.fullmatch(value):
        return match.group(0)
    if value.startswith("[REDACTED:"):  # an earlier rule already masked it, and said what
        return match.group(0)
    return f"{key}{separator}[REDACTED:secret]"


_ARN_PREFIX = re.compile(r"\"?arn:aws[\w\-]*:secretsmanager:[\w\-]*:\d{0,12}:")


def _inside_arn(text: str, start: int) -> bool:
    """`arn:aws:secretsmanager:region:acct:secret:prod/db` names a secret; it holds none."""
    word_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), -1) + 1
    return _ARN_PREFIX.fullmatch(text, word_start, start) is not None


# Order matters: whole blocks and URLs first, so later rules do not split them.
# Quantifiers are bounded so a multi-megabyte line cannot make a rule quadratic.
_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
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
    # key=value pairs go first, so "Basic password=<value>" and "password: <value>" after
    # the word Basic lose their value whatever the token rule below then takes.
    (_KEY_VALUE, _mask_value),
    # The token runs on through "=" and the punctuation values use: over-masking a
    # trailing character is better than leaving half a token ("Bearer abc==def").
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=*!$%^()\-]{8,}"), r"\1 [REDACTED:token]"),
    (
        re.compile(
            r"\b(?:xox[abposr]|xapp|ghp|gho|ghs|github_pat|glpat|sk_live)[-_][A-Za-z0-9_\-]{8,}"
        ),
        "[REDACTED:token]",
    ),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), "[REDACTED:api_key]"),
)


# A line that is nothing but base64 (PEM bodies, dumped keys) once its BEGIN line is gone.
_KEY_MATERIAL = re.compile(r"(?m)^[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*$")


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by a labelled mask."""
    for rx, mask in _RULES:
        text = rx.sub(mask, text)
    return _KEY_MATERIAL.sub("[REDACTED:key_material]", text)
