"""Settings: prefixed names, standard names, and the Redis the settings point at."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bot.settings import Settings


class TestSettings:
    """Operators set DEPLOY_FEEDBACK_* plus the standard Slack/AWS/Redis names."""

    def test_standard_and_prefixed_names(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
        monkeypatch.setenv("DEPLOY_FEEDBACK_WATCH_CHANNELS", "C1, C2,,")
        monkeypatch.setenv("DEPLOY_FEEDBACK_SANDBOX", "1")
        monkeypatch.setenv("DEPLOY_FEEDBACK_BASIC_BUDGET_S", "4.5")
        settings = Settings()
        assert settings.slack_bot_token == "xoxb-1"
        assert settings.watch_channels == ["C1", "C2"]
        assert settings.sandbox is True
        assert settings.basic_budget_s == 4.5

    def test_defaults_are_the_seed_budgets(self) -> None:
        settings = Settings()
        assert (settings.basic_budget_s, settings.comprehensive_budget_s) == (10.0, 30.0)
        assert settings.hard_stop_s == 60.0
        assert settings.rate_limit == "100/minute"

    def test_nonsense_budget_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEPLOY_FEEDBACK_BASIC_BUDGET_S", "-1")
        with pytest.raises(ValueError, match="basic_budget_s"):
            Settings()

    async def test_redis_url_reaches_a_real_redis(
        self, monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_prefix: str
    ) -> None:
        monkeypatch.setenv("REDIS_URL", redis_url)
        settings = Settings()
        assert settings.redis_url == redis_url
        client = aioredis.from_url(settings.redis_url)
        try:
            await client.set(f"{redis_prefix}ping", "pong", ex=30)
            assert await client.get(f"{redis_prefix}ping") == b"pong"
        finally:
            await client.aclose()
