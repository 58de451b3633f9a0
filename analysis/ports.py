"""Cross-check ports: the port the platform probes or routes to vs the port the app listens on."""

from __future__ import annotations

import re
from collections.abc import Sequence

# What the platform expects: probe/target/health messages and injected settings.
EXPECTED = (
    r"\(port ([0-9]{2,5})\) is unhealthy|probe failed[^\n]{0,120}:([0-9]{2,5})\b|"
    r"\bon port ([0-9]{2,5})\b[^\n]{0,40}(?:probe|health)|"
    r"(?:probe|health)[^\n]{0,60}\bon port ([0-9]{2,5})\b|"
    r"\bPORT=([0-9]{2,5})\b|\bcontainerPort[\"': =]{1,4}([0-9]{2,5})\b|"
    r"\btarget ?port[\"': =]{1,4}([0-9]{2,5})\b|"
    r"-> ?[Pp]ort ([0-9]{2,5})\b|"
    # Azure App Service pings its site port; App Runner names the port its check connects to.
    r"HTTP pings on port:? ([0-9]{2,5})\b|\[Port: '([0-9]{2,5})'\]"
)
# docker run -p [ip:]host:container: traffic arrives on the container port. A container often
# publishes several ports and logs only some, so this counts for the loopback check alone
# (the right port on loopback), never as a mismatch with the one port the app mentions.
CHECKED = EXPECTED + r"|(?:\s-p|--publish)[ =](?:[0-9.]{7,15}:)?[0-9]{2,5}:([0-9]{2,5})\b"
# What the app says about itself.
LISTENING = (
    r"\b(?:listening|started|serving|running|bound|server is up|ready)\b[^\n]{0,40}"
    r"(?:\bports?(?:\(s\))?[ :=]{0,3}|"
    r"(?:0\.0\.0\.0|\[::\]|\*|localhost|127\.0\.0\.1|[a-z0-9.-]{0,253}):)"
    r"([0-9]{2,5})\b"
)
_EXPECTED = re.compile(EXPECTED, re.IGNORECASE)
_CHECKED = re.compile(CHECKED, re.IGNORECASE)
_LISTENING = re.compile(LISTENING, re.IGNORECASE)

# Service ports start at 80; lower numbers here are clock fields ("10:30") misread as ports.
_LOWEST = 80
# Ports are stated in short lines; a multi-kilobyte blob is not read for them (and the
# per-line regexes stay linear).
_LONGEST = 2_000

Line = tuple[int, str]
"""(evidence index, line text)"""


_LOOPBACK = re.compile(r"localhost|127\.0\.0\.1|\[::1\]", re.IGNORECASE)


def port_mismatch(expected_lines: Sequence[Line], listening_lines: Sequence[Line]) -> list[int]:
    """Evidence indexes showing the platform's port differs from every port the app listens on."""
    expected, listening = _ports(expected_lines, listening_lines)
    if not expected or not listening or set(expected) & set(listening):
        return []
    return sorted({*expected.values(), *listening.values()})


def port_match(expected_lines: Sequence[Line], listening_lines: Sequence[Line]) -> list[int]:
    """Evidence indexes showing the app listens, on every interface, on the port checked.

    Cloud Run words a wrong port and a slow start the same way ("failed to start and listen
    on the port"); an app that reports listening on that very port rules the port out.
    """
    expected, _ = _ports(expected_lines, [])
    _, listening = _ports([], listening_lines, skip_loopback=True)
    both = set(expected) & set(listening)
    return sorted({i for port in both for i in (expected[port], listening[port])})


def port_loopback(expected_lines: Sequence[Line], listening_lines: Sequence[Line]) -> list[int]:
    """Evidence indexes showing the app listens on loopback only, on the very port checked.

    Probes and load balancers connect to the pod/task IP, so a server bound to 127.0.0.1 on
    the right port still refuses them: the port matches, the interface does not.
    """
    expected, _ = _ports(expected_lines, [], expected_rx=_CHECKED)
    _, everywhere = _ports([], listening_lines, skip_loopback=True)
    _, listening = _ports([], listening_lines)
    loopback_only = set(listening) - set(everywhere)
    both = set(expected) & loopback_only
    return sorted({i for port in both for i in (expected[port], listening[port])})


def _ports(
    expected_lines: Sequence[Line],
    listening_lines: Sequence[Line],
    *,
    skip_loopback: bool = False,
    expected_rx: re.Pattern[str] = _EXPECTED,
) -> tuple[dict[int, int], dict[int, int]]:
    """(port -> first evidence index) for the platform's ports and the app's listening ports."""
    expected: dict[int, int] = {}
    listening: dict[int, int] = {}
    for index, text in expected_lines:
        if len(text) > _LONGEST:
            continue
        for found in expected_rx.finditer(text):
            port = next(int(g) for g in found.groups() if g)
            if port >= _LOWEST:
                expected.setdefault(port, index)
    for index, text in listening_lines:
        if len(text) > _LONGEST:
            continue
        for found in _LISTENING.finditer(text):
            if skip_loopback and _LOOPBACK.search(found.group(0)):
                continue
            if int(found.group(1)) >= _LOWEST:
                listening.setdefault(int(found.group(1)), index)
    return expected, listening
