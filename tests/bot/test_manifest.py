"""manifest.yml declares what the app uses: the command, events, interactivity and scopes."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())


def test_top_level_sections() -> None:
    assert set(MANIFEST) >= {"display_information", "features", "oauth_config", "settings"}


def test_slash_command_matches_the_listener() -> None:
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/diagnose"
    assert command["url"].endswith("/slack/events")
    assert command["usage_hint"]


def test_scopes_cover_every_api_the_bot_calls() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes >= {
        "commands",
        "chat:write",
        "channels:history",
        "groups:history",
        "files:write",
        "usergroups:read",
    }


def test_events_and_interactivity() -> None:
    settings = MANIFEST["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.channels",
        "message.groups",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert "socket_mode_enabled" in settings
