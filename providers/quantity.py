"""Resource quantities in Kubernetes syntax ("512Mi", "250m", "1.5G"; Cloud Run uses it too)."""

from __future__ import annotations

import re

_SUFFIXES: dict[str, float] = {
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}
_QUANTITY = re.compile(r"([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(?:[eE]([+-]?\d+))?([a-zA-Z]*)")


def parse_quantity(text: str) -> float | None:
    """The quantity's value in base units (bytes, cores); None when it is not a quantity."""
    match = _QUANTITY.fullmatch(text.strip())
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    if exponent is not None and suffix:
        return None
    factor = _SUFFIXES.get(suffix)
    if factor is None:
        return None
    value = float(number) * factor
    return value * 10.0 ** int(exponent) if exponent else value


def format_bytes(value: float) -> str:
    """Bytes the way `kubectl top` shows them (Mi, or Gi above 10Gi)."""
    if value >= 10 * 2**30:
        return f"{value / 2**30:.1f}Gi"
    return f"{round(value / 2**20)}Mi"
