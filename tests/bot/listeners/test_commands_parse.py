"""`/diagnose` argument parsing."""

from __future__ import annotations

import pytest

from bot.listeners.commands import DiagnoseCommand, parse_command
from providers.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout-api", DiagnoseCommand("checkout-api")),
        ("checkout-api prod", DiagnoseCommand("checkout-api", "prod")),
        ("checkout-api --comprehensive", DiagnoseCommand("checkout-api", None, "comprehensive")),
        ("  checkout-api  prod  -c ", DiagnoseCommand("checkout-api", "prod", "comprehensive")),
        ("help", None),
        ("", None),
    ],
)
def test_parses(text: str, expected: DiagnoseCommand | None) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text", ["a b c", "checkout-api --now", "checkout;rm -rf /", "<@U123>", "x" * 200]
)
def test_rejects_with_a_reason(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_command(text)
