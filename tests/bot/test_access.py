"""Access policy: open by default; channels, users or groups grant; environments restrict."""

from __future__ import annotations

from bot.access import decide
from bot.catalog import AccessPolicy


def _decide(policy: AccessPolicy | None, **kw: object) -> bool:
    args: dict[str, object] = {"service": "svc", "env": "prod", "channel": "C1", "user": "U1"}
    args.update(kw)
    return decide(policy, **args).allowed  # type: ignore[arg-type]


def test_no_policy_is_open() -> None:
    assert _decide(None)
    assert _decide(AccessPolicy())


def test_channel_user_or_group_grants() -> None:
    policy = AccessPolicy(channels=["C9"], users=["U9"], usergroups=["S9"])
    assert not _decide(policy)
    assert _decide(policy, channel="C9")
    assert _decide(policy, user="U9")
    assert _decide(policy, user_groups=frozenset({"S9"}))


def test_environments_restrict() -> None:
    policy = AccessPolicy(environments=["staging"])
    assert not _decide(policy)
    assert _decide(policy, env="staging")


def test_refusal_says_what_would_work() -> None:
    decision = decide(
        AccessPolicy(channels=["C9"]), service="svc", env=None, channel="C1", user="U1"
    )
    assert decision.reason == "svc can only be diagnosed from <#C9>."
