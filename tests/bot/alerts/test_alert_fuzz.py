"""parse_message on arbitrary input: it never raises, and junk is never read as a failure."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.model import DeployAlert
from bot.alerts import parse_message

SAMPLE = Path(__file__).with_name("alerts_dev.jsonl")
PAYLOADS = [json.loads(line)["payload"] for line in SAMPLE.read_text().splitlines() if line]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
KEYS = ["text", "attachments", "blocks", "username", "bot_id", "bot_profile", "subtype"]
ATTACHMENT_KEYS = [
    "title",
    "text",
    "pretext",
    "fallback",
    "author_name",
    "footer",
    "color",
    "fields",
    "blocks",
    "title_link",
]

junk_field = st.fixed_dictionaries({"title": st.text(max_size=30), "value": st.text(max_size=200)})
junk_attachment = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=100),
        "text": st.text(max_size=500),
        "fallback": st.text(max_size=300),
        "author_name": st.text(max_size=40),
        "footer": st.text(max_size=40),
        "color": st.sampled_from(["danger", "good", "warning", "#E96D76", "#B82525", ""]),
        "fields": st.lists(junk_field, max_size=6),
    },
)
junk_message = st.fixed_dictionaries(
    {"type": st.just("message"), "text": st.text(max_size=1000)},
    optional={
        "attachments": st.lists(junk_attachment, max_size=3),
        "username": st.text(max_size=20),
    },
)


@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=8))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_shape_parses_without_raising(event: dict[str, Any]) -> None:
    assert isinstance(parse_message(event), DeployAlert)


@given(junk_message)
@settings(max_examples=300)
def test_junk_text_is_never_a_failure(event: dict[str, Any]) -> None:
    alert = parse_message(event)
    assert alert.is_failure is False
    assert alert.repeat is False


@given(st.sampled_from(PAYLOADS), st.sampled_from(KEYS), json_values)
@settings(max_examples=300)
def test_real_payloads_with_one_part_replaced_do_not_raise(
    payload: dict[str, Any], key: str, value: Any
) -> None:
    mutated = {**payload, key: value}
    assert isinstance(parse_message(mutated), DeployAlert)


@given(st.sampled_from(PAYLOADS), st.sampled_from(ATTACHMENT_KEYS), json_values)
@settings(max_examples=300)
def test_real_attachments_with_one_part_replaced_do_not_raise(
    payload: dict[str, Any], key: str, value: Any
) -> None:
    attachments = [{**a, key: value} for a in payload.get("attachments", [])]
    assert isinstance(parse_message({**payload, "attachments": attachments}), DeployAlert)


def test_a_huge_message_parses_quickly() -> None:
    """No parser backtracks badly on a message at Slack's size limit."""
    line = "Pipeline #1 of branch main by x has - a: b Rollout x's analysis " * 40
    event = {
        "text": line * 15,
        "attachments": [{"text": "a" * 40_000, "fallback": "- #" * 10_000, "title": "[" * 5000}],
    }
    started = time.perf_counter()
    parse_message(event)
    assert time.perf_counter() - started < 1.0
