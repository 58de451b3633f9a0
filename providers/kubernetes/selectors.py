"""Label and field selectors, as the API server parses them (the subset clients send).

The sandbox API server filters lists with them, and the watch cache filters the
objects it holds the same way, so its answers equal a fresh filtered list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

# key in (a,b) | key notin (a) | key=v | key==v | key!=v | key | !key
_REQUIREMENT = re.compile(
    r"\s*(?:(?P<not>!)?(?P<key>[\w./-]+)\s*"
    r"(?:(?P<set>in|notin)\s*\((?P<values>[^)]*)\)|(?P<op>==|!=|=)\s*(?P<value>[\w./-]*))?)\s*(?:,|$)"
)


def label_selector(text: str) -> Predicate:
    """A predicate over an object's labels; raises ValueError on a malformed selector."""
    checks = [_label_check(m) for m in _requirements(text)]
    return lambda obj: all(c(obj.get("metadata", {}).get("labels") or {}) for c in checks)


def field_selector(text: str) -> Predicate:
    """A predicate over dotted field paths (`involvedObject.name=x,type!=Normal`)."""
    checks: list[Predicate] = []
    for m in _requirements(text):
        if m["op"] is None:
            raise ValueError(f"field selector needs an operator: {m.group(0)!r}")
        checks.append(_field_check(m["key"].split("."), m["op"] != "!=", m["value"]))
    return lambda obj: all(c(obj) for c in checks)


def _field_check(path: list[str], equal: bool, want: str) -> Predicate:
    return lambda obj: (_field(obj, path) == want) == equal


def _requirements(text: str) -> list[re.Match[str]]:
    text = text.strip()
    matches, pos = [], 0
    while pos < len(text):
        m = _REQUIREMENT.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"unable to parse requirement: {text[pos:]!r}")
        matches.append(m)
        pos = m.end()
    return matches


def _label_check(m: re.Match[str]) -> Callable[[dict[str, str]], bool]:
    key = m["key"]
    if m["set"]:
        values = {v.strip() for v in m["values"].split(",") if v.strip()}
        inside = m["set"] == "in"
        return lambda labels: (labels.get(key) in values) == inside if key in labels else not inside
    if m["op"]:
        eq, want = m["op"] != "!=", m["value"]
        return lambda labels: (labels.get(key) == want) == eq
    present = not m["not"]
    return lambda labels: (key in labels) == present


def _field(obj: dict[str, Any], path: list[str]) -> str:
    value: Any = obj
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)
