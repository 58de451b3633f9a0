"""HMAC-signed button values: a click can only do what the bot offered, where it offered it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping

from providers.errors import DeployFeedbackError

DEFAULT_TTL_S = 3 * 24 * 3600
_MAX_VALUE = 2000  # Slack's button value limit


class ButtonRefused(DeployFeedbackError):
    """A button value that is forged, altered, expired, or used in another channel."""


class ButtonSigner:
    """Signs claims into a button value and checks them on the way back."""

    def __init__(
        self,
        secret: str | bytes,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
        bound: Mapping[str, str] | None = None,
    ) -> None:
        if not secret:
            raise ValueError("a button secret is required")
        self._key = secret.encode() if isinstance(secret, str) else secret
        self._ttl_s = ttl_s
        self._clock = clock
        self._bound = dict(bound or {})

    def bind(self, **claims: str) -> ButtonSigner:
        """A signer that adds `claims` (e.g. channel, report id) to every value it signs."""
        return ButtonSigner(
            self._key, ttl_s=self._ttl_s, clock=self._clock, bound={**self._bound, **claims}
        )

    def sign(self, claims: Mapping[str, str]) -> str:
        """`payload.mac`: compact JSON (with an expiry) in base64url, and its HMAC."""
        body = {**self._bound, **claims, "x": str(int(self._clock() + self._ttl_s))}
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        payload = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        value = f"{payload}.{self._mac(payload)}"
        if len(value) > _MAX_VALUE:
            raise ValueError(f"button value of {len(value)} chars exceeds Slack's {_MAX_VALUE}")
        return value

    def verify(self, value: str, *, action: str, channel: str | None) -> dict[str, str]:
        """The claims of a genuine, unexpired value for `action` in `channel`, or ButtonRefused."""
        payload, _, mac = value.partition(".")
        if not payload or not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise ButtonRefused("this button was not issued by deploy-feedback")
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError as exc:
            raise ButtonRefused("this button's value is unreadable") from exc
        if not isinstance(claims, dict) or not all(isinstance(v, str) for v in claims.values()):
            raise ButtonRefused("this button's value is unreadable")
        if claims.get("a") != action:
            raise ButtonRefused("this button's value belongs to another action")
        if not claims.get("x", "").isdigit() or int(claims["x"]) < self._clock():
            raise ButtonRefused("this button has expired; run /diagnose again")
        if "c" in claims and claims["c"] != channel:
            raise ButtonRefused("this button belongs to another channel")
        return claims

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
