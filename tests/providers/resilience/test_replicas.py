"""Separate processes on one Redis share one rate limit and one in-flight call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import redis

REPLICA = Path(__file__).with_name("replica.py")
ROOT = Path(__file__).parents[3]


def spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(REPLICA), *args], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )


def result(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    parsed: dict[str, object] = json.loads(out)
    return parsed


class TestThreeReplicas:
    """Three bot processes draw from one per-provider budget."""

    def test_together_they_never_exceed_the_limit(self, redis_url: str, redis_prefix: str) -> None:
        procs = [spawn("limits", redis_url, redis_prefix, "12/minute", "10") for _ in range(3)]
        outs = [result(p) for p in procs]
        assert sum(int(o["requests"]) for o in outs) == 12  # type: ignore[call-overload]
        assert sum(int(o["allowed"]) for o in outs) == 12  # type: ignore[call-overload]
        assert sum(int(o["deferred"]) for o in outs) == 18  # type: ignore[call-overload]


class TestTwoReplicasOneCall:
    """The second process waits on the first one's call instead of making its own."""

    def test_one_provider_call_serves_both(self, redis_url: str, redis_prefix: str) -> None:
        client = redis.Redis.from_url(redis_url)
        try:
            leader = spawn("flight", redis_url, redis_prefix, "leader")
            assert client.blpop([redis_prefix + "test:started"], timeout=30) is not None
            follower = spawn("flight", redis_url, redis_prefix, "follower")
            assert client.blpop([redis_prefix + "test:follower"], timeout=30) is not None
            client.rpush(redis_prefix + "test:go", "go")
            first, second = result(leader), result(follower)
            assert int(client.get(redis_prefix + "test:calls") or 0) == 1
            assert first["value"] == second["value"] == {"status": "ACTIVE", "by": "leader"}
            assert second["cached"] is True
        finally:
            client.close()
