"""The one error tree of deploy-feedback.

    DeployFeedbackError
    ├── ConfigError                 bad settings, catalog, pattern file or CLI usage
    │   └── UnknownServiceError     a service name the catalog does not hold
    └── ProviderError               a platform API call failed
        ├── ProviderTimeout         the call or its deadline ran out
        ├── ProviderThrottled       the platform (or our own limiter) said slow down
        ├── ProviderUnavailable     5xx, connection refused, circuit open
        ├── ProviderNotFound        the object asked for does not exist
        └── ProviderPermissionDenied  credentials lack a permission

Callers catch the branch they mean; `retryable` tells the retry layer which
failures are worth another try.
"""

from __future__ import annotations

from collections.abc import Sequence


class DeployFeedbackError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(DeployFeedbackError):
    """Settings, catalog, patterns or command-line usage are wrong."""


class UnknownServiceError(ConfigError):
    """A service name that is not in the catalog; carries the closest names."""

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"Unknown service {name!r}.{hint}")


class ProviderError(DeployFeedbackError):
    """A platform API call failed."""

    retryable = False

    def __init__(self, message: str, *, provider: str = "", operation: str = "") -> None:
        self.provider = provider
        self.operation = operation
        super().__init__(message)


class ProviderTimeout(ProviderError):
    """The call, or the diagnosis deadline, ran out."""

    retryable = True


class ProviderThrottled(ProviderError):
    """The platform or our own rate limiter asked us to slow down."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        operation: str = "",
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, operation=operation)
        self.retry_after_s = retry_after_s


class ProviderUnavailable(ProviderError):
    """A 5xx, a refused connection, or an open circuit breaker."""

    retryable = True


class CircuitOpen(ProviderUnavailable):
    """The endpoint's breaker is open; `retry_after_s` says when it will probe again."""

    def __init__(self, endpoint: str, retry_after_s: float) -> None:
        provider, _, operation = endpoint.partition(":")
        super().__init__(
            f"circuit open for {endpoint} (probing again in {retry_after_s:.1f} s)",
            provider=provider,
            operation=operation,
        )
        self.retry_after_s = retry_after_s


class ProviderNotFound(ProviderError):
    """The object asked for does not exist on the platform."""


class ProviderPermissionDenied(ProviderError):
    """The credentials in use lack a permission the call needs."""
