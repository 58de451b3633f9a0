"""Cross-check a health endpoint: a request for it, then the error it was answered with.

Evidence pasted from a debugging session often shows the check by hand: `curl
http://10.0.0.7:9102/health` followed by `404 page not found` or `HTTP/1.1 301 Moved
Permanently`. The probe or load-balancer check that uses that path fails the same way
while the app itself runs (a renamed endpoint, a redirect, an auth layer in front).
"""

from __future__ import annotations

from collections.abc import Sequence

# A request for a health-like path (curl/wget/http clients, or a request line).
REQUESTED = (
    r"(?:\bcurl\b|\bwget\b|\bhttp(?:ie)?\b|\bGET\b|\bHEAD\b)[^\n]{0,200}"
    r"/(?:health|healthz|healthcheck|health-check|_health|ready|readyz|readiness|live|livez|"
    r"liveness|ping|status|up|-/healthy|-/ready)(?:[/?\"' ]|$)"
)
# An error answer: a status line, Go's and common servers' bodies, curl's -w code alone.
ANSWERED = (
    r"HTTP/[0-9.]+\"? (?:30[1278]|40[0-9]|5[0-9]{2})\b|\b404 page not found\b|"
    r"\b(?:404 Not Found|301 Moved Permanently|302 Found|401 Unauthorized|403 Forbidden|"
    r"503 Service Unavailable)\b|<a href=\"[^\"\n]{1,200}\">Moved Permanently</a>|"
    r"^\s*(?:30[1278]|40[0-9]|5[0-9]{2})\s*$|#\s*(?:30[1278]|40[0-9]|5[0-9]{2})\b"
)
# How far (in evidence lines) the answer may follow the request.
_WITHIN = 12
_LONGEST = 2_000

Line = tuple[int, str]
"""(evidence index, line text)"""


def health_path_error(requested: Sequence[Line], answered: Sequence[Line]) -> list[int]:
    """Evidence indexes of a health-path request and the error answer that follows it."""
    shown: set[int] = set()
    answers = sorted(i for i, text in answered if len(text) <= _LONGEST)
    for index, text in requested:
        if len(text) > _LONGEST:
            continue
        following = [a for a in answers if index <= a <= index + _WITHIN]
        if following:
            shown.update((index, following[0]))
    return sorted(shown)
