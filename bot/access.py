"""Who may diagnose what: a service's optional access policy from services.yml."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import AccessPolicy


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed or not, and, when not, why and what would work."""

    allowed: bool
    reason: str = ""


ALLOWED = Decision(True)


def decide(
    policy: AccessPolicy | None,
    *,
    service: str,
    env: str | None,
    channel: str | None,
    user: str | None,
    user_groups: frozenset[str] = frozenset(),
) -> Decision:
    """No policy, or empty lists, means open to the workspace.

    Channels, users and user groups each grant access (any one is enough); environments,
    when listed, restrict which environments may be diagnosed at all.
    """
    if policy is None:
        return ALLOWED
    if policy.environments and (env or "") not in policy.environments:
        allowed = ", ".join(policy.environments)
        return Decision(False, f"{service} may only be diagnosed in: {allowed}.")
    if not (policy.channels or policy.users or policy.usergroups):
        return ALLOWED
    if channel in policy.channels or user in policy.users:
        return ALLOWED
    if user_groups & set(policy.usergroups):
        return ALLOWED
    where = []
    if policy.channels:
        where.append("from " + ", ".join(f"<#{c}>" for c in policy.channels))
    if policy.usergroups:
        where.append("by members of " + ", ".join(f"<!subteam^{g}>" for g in policy.usergroups))
    if policy.users:
        where.append("by " + ", ".join(f"<@{u}>" for u in policy.users))
    return Decision(False, f"{service} can only be diagnosed " + " or ".join(where) + ".")


def needs_groups(policy: AccessPolicy | None) -> bool:
    """Whether deciding needs the user's user groups (a usergroups.list call)."""
    return policy is not None and bool(policy.usergroups)
