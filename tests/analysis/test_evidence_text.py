"""Raw pasted text becomes Evidence: kinds guessed, attributes pulled out, never raises."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.evidence_text import evidence_from_text

DESCRIBE = """\
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Restart Count:  5
Events:
  Type     Reason     Age                From     Message
  Warning  BackOff    4s (x8 over 74s)   kubelet  Back-off restarting failed container
"""


class TestParsing:
    """kubectl describe, ECS stopped reasons and log lines parse into useful attributes."""

    def test_kubectl_describe_attributes(self) -> None:
        evidence = evidence_from_text(DESCRIBE)
        attrs = [e.attributes for e in evidence]
        assert {"reason": "OOMKilled"} in attrs
        assert {"exit_code": 137} in attrs
        assert {"restart_count": 5} in attrs
        assert any(e.kind == "event" and "BackOff" in e.text for e in evidence)

    def test_ecs_stopped_reason_is_status(self) -> None:
        (item,) = evidence_from_text(
            "Status reason\tOutOfMemoryError: Container killed due to memory usage Exit Code\t137"
        )
        assert item.kind == "status"
        assert item.attributes["exit_code"] == 137

    def test_timestamps(self) -> None:
        (item,) = evidence_from_text("2024-02-08T10:48:28.268077304Z ERROR boom")
        assert item.timestamp == datetime(2024, 2, 8, 10, 48, 28, 268077, tzinfo=UTC)

    def test_blank_lines_are_dropped_and_crlf_stripped(self) -> None:
        evidence = evidence_from_text("a\r\n\r\n   \nb\r\n")
        assert [e.text for e in evidence] == ["a", "b"]

    def test_source_is_kept(self) -> None:
        assert evidence_from_text("x", source="paste")[0].source == "paste"


class TestNeverRaises:
    """Junk in, some (possibly empty) evidence out."""

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_any_text(self, text: str) -> None:
        for item in evidence_from_text(text):
            assert "\n" not in item.text

    @settings(max_examples=100, deadline=None)
    @given(st.binary(max_size=4096))
    def test_any_bytes_decoded_leniently(self, data: bytes) -> None:
        evidence_from_text(data.decode("utf-8", "replace"))
        evidence_from_text(data.decode("latin-1"))

    def test_absurd_numbers_and_dates(self) -> None:
        evidence_from_text("exit code 99999999999999 2024-13-45T99:99:99Z Restart Count: 99999999")
