"""Cross-check start-up time: how long the app took to start vs the window the platform gave it."""

from __future__ import annotations

import re
from collections.abc import Sequence

# What the app says about its own start-up time (Spring Boot, Quarkus, Micronaut, Tomcat,
# WildFly, Rails/Puma-style "booted in", generic "startup took").
STARTED = (
    r"\b(?:Started [A-Za-z0-9_$.]{1,120} in|started in|Startup completed in|"
    r"Server startup in|startup took|start-?up time:?|booted in|ready in)"
    r" \[?([0-9][0-9,]*(?:\.[0-9]+)?)\]? ?(ms|milliseconds|s|secs?|seconds)\b"
)
# How long the platform waits before its checks count: ECS's grace period, a probe's
# initial delay + period x failure threshold (kubectl describe, Cloud Run probe settings as
# providers/gcp words them), Heroku's boot timeout. A readiness probe only holds traffic
# back, it kills nothing, so it sets no window. Partial settings (a bare
# initialDelaySeconds, Docker's start_period) are not windows: the failures that count
# come after them, so reading them alone would call a normal start slow.
WINDOW = (
    r"healthCheckGracePeriod(?:Seconds)?[\"': =]{1,4}([0-9]{1,5})\b|"
    r"health ?check grace period(?: of| is| =|:)? ?([0-9]{1,5}) ?s|"
    r"(?:Liveness|Startup): [^\n]{1,200} delay=([0-9]{1,5})s timeout=[0-9]{1,5}s "
    r"period=([0-9]{1,5})s "
    r"#success=[0-9]+ #failure=([0-9]{1,3})|"
    r"initial delay ([0-9]{1,5})s, period ([0-9]{1,5})s, timeout [0-9]{1,5}s, "
    r"failure threshold ([0-9]{1,3})|"
    r"within ([0-9]{1,4}) seconds of launch|"
    r"(default TCP startup probe)"
)
# Cloud Run's default start-up probe: TCP, period 240 s, failure threshold 1.
_CLOUD_RUN_DEFAULT_S = 240.0
# After ECS's grace period the target must still be marked unhealthy by the load balancer:
# ALB's defaults (interval 30 s x unhealthy threshold 2) take 60 s, so a grace period of 0
# (the default) does not make every start "slow".
_ALB_DEFAULT_S = 60.0
_STARTED = re.compile(STARTED, re.IGNORECASE)
_WINDOW = re.compile(WINDOW, re.IGNORECASE)
_LONGEST = 2_000  # durations and settings are stated in short lines

Line = tuple[int, str]
"""(evidence index, line text)"""


def slow_start(started_lines: Sequence[Line], window_lines: Sequence[Line]) -> list[int]:
    """Evidence indexes showing the app started later than the longest window it was given.

    A health check, probe or boot timeout that fires while the app is still starting is a
    symptom; the cause is a start-up slower than the window (raise it, or start faster).
    """
    took = _longest_start(started_lines)
    window = _longest_window(window_lines)
    if took is None or window is None or took[0] <= window[0]:
        return []
    return sorted({took[1], window[1]})


def _longest_start(lines: Sequence[Line]) -> tuple[float, int] | None:
    best: tuple[float, int] | None = None
    for index, text in lines:
        if len(text) > _LONGEST:
            continue
        for found in _STARTED.finditer(text):
            value = float(found.group(1).replace(",", ""))
            seconds = value / 1000.0 if found.group(2).lower().startswith("m") else value
            if best is None or seconds > best[0]:
                best = (seconds, index)
    return best


def _longest_window(lines: Sequence[Line]) -> tuple[float, int] | None:
    best: tuple[float, int] | None = None
    for index, text in lines:
        if len(text) > _LONGEST:
            continue
        for found in _WINDOW.finditer(text):
            groups = found.groups()
            if groups[2] is not None:  # kubectl describe: delay + period x failures
                seconds = float(groups[2]) + float(groups[3]) * float(groups[4])
            elif groups[5] is not None:  # Cloud Run probe: initial delay + period x threshold
                seconds = float(groups[5]) + float(groups[6]) * float(groups[7])
            elif groups[9] is not None:
                seconds = _CLOUD_RUN_DEFAULT_S
            elif groups[0] is not None or groups[1] is not None:
                seconds = max(float(groups[0] or groups[1]), _ALB_DEFAULT_S)
            else:
                seconds = float(next(g for g in groups if g is not None))
            if best is None or seconds > best[0]:
                best = (seconds, index)
    return best
