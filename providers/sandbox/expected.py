"""The sandbox's contract: each seeded service and the root cause it must be diagnosed with."""

from __future__ import annotations

from typing import Final

EXPECTED_ROOT_CAUSE: Final[dict[str, str]] = {
    # Kubernetes
    "payments-worker": "oom_killed",
    "orders-api": "image_pull",
    "ledger": "missing_config",
    "search-indexer": "insufficient_resources",
    # AWS ECS
    "checkout-api": "oom_killed",
    "billing-api": "port_binding",
    "inventory-svc": "db_connection",
    "notifications-worker": "dns_network",
    # GCP Cloud Run
    "search-frontend": "timeout",
    "profile-svc": "port_binding",
    "media-resizer": "oom_killed",
    "accounts-api": "permission_denied",
}
