"""Kubernetes naming rules, checked before any name reaches a query."""

from __future__ import annotations

import re

from providers.errors import ConfigError

# DNS-1123 label (namespaces, container names) and subdomain (most object names).
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_MAX = 63
_SUBDOMAIN_MAX = 253


def dns1123_label(value: str, what: str) -> str:
    """Return `value` if it is a valid DNS-1123 label, else raise ConfigError."""
    if len(value) > _LABEL_MAX or not _LABEL.fullmatch(value):
        raise ConfigError(
            f"Invalid Kubernetes {what} {value!r}: must be a DNS-1123 label "
            "(lower-case letters, digits and '-', at most 63 characters)."
        )
    return value


def dns1123_subdomain(value: str, what: str) -> str:
    """Return `value` if it is a valid DNS-1123 subdomain, else raise ConfigError."""
    if len(value) > _SUBDOMAIN_MAX or not _SUBDOMAIN.fullmatch(value):
        raise ConfigError(
            f"Invalid Kubernetes {what} {value!r}: must be a DNS-1123 subdomain "
            "(lower-case letters, digits, '-' and '.', at most 253 characters)."
        )
    return value
