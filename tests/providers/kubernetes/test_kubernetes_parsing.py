"""Pure parsing: quantities, DNS-1123 names, selectors and kubelet log timestamps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.errors import ConfigError
from providers.kubernetes.logs import split_timestamp
from providers.kubernetes.names import dns1123_label, dns1123_subdomain
from providers.kubernetes.selectors import field_selector, label_selector
from providers.quantity import format_bytes, parse_quantity


class TestQuantity:
    """Kubernetes quantities become base units; anything else is None."""

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("512Mi", 512 * 2**20),
            ("15056568Ki", 15056568 * 1024),
            ("1Gi", 2**30),
            ("250m", 0.25),
            ("412337021n", 0.412337021),
            ("2", 2.0),
            ("1.5G", 1.5e9),
            ("1e3", 1000.0),
        ],
    )
    def test_known_quantities(self, text: str, value: float) -> None:
        assert parse_quantity(text) == pytest.approx(value)

    @pytest.mark.parametrize("text", ["", "Mi", "12XB", "1e3Mi", "abc"])
    def test_not_quantities(self, text: str) -> None:
        assert parse_quantity(text) is None

    @given(st.integers(min_value=0, max_value=10**6))
    def test_mebibytes_round_trip(self, n: int) -> None:
        value = parse_quantity(f"{n}Mi")
        assert value == n * 2**20
        assert format_bytes(value) in (f"{n}Mi", f"{n / 1024:.1f}Gi")

    @given(st.text(max_size=12))
    def test_never_raises(self, text: str) -> None:
        result = parse_quantity(text)
        assert result is None or isinstance(result, float)


class TestNames:
    """DNS-1123 labels and subdomains."""

    @pytest.mark.parametrize("name", ["payments", "a", "x-1", "a" * 63])
    def test_valid_labels(self, name: str) -> None:
        assert dns1123_label(name, "namespace") == name

    @pytest.mark.parametrize("name", ["", "A", "a_b", "-a", "a-", "a.b", "a" * 64, "a/b", "ä"])
    def test_invalid_labels(self, name: str) -> None:
        with pytest.raises(ConfigError, match="DNS-1123 label"):
            dns1123_label(name, "namespace")

    @given(st.text(max_size=300))
    def test_accepted_subdomains_are_url_safe(self, name: str) -> None:
        try:
            dns1123_subdomain(name, "deployment name")
        except ConfigError:
            return
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")
        assert 0 < len(name) <= 253


class TestSelectors:
    """The sandbox's selector parser agrees with the API server on what clients send."""

    def test_label_selector_forms(self) -> None:
        obj = {"metadata": {"labels": {"app": "web", "tier": "api"}}}
        assert label_selector("app=web,tier==api")(obj)
        assert not label_selector("app!=web")(obj)
        assert label_selector("tier in (api, db),!missing,app")(obj)
        assert not label_selector("tier notin (api)")(obj)

    def test_field_selector_paths(self) -> None:
        event = {"involvedObject": {"kind": "Pod", "name": "x"}, "type": "Warning"}
        assert field_selector("involvedObject.kind=Pod,involvedObject.name=x")(event)
        assert not field_selector("type!=Warning")(event)

    def test_malformed_selectors_raise(self) -> None:
        with pytest.raises(ValueError, match="unable to parse"):
            label_selector("app=(")
        with pytest.raises(ValueError, match="operator"):
            field_selector("involvedObject.name")


class TestLogTimestamps:
    """`timestamps=true` prefixes are split off; other lines are kept whole."""

    def test_nanosecond_prefix(self) -> None:
        stamp, line = split_timestamp("2026-01-01T12:00:00.123456789Z INFO ready")
        assert stamp is not None
        assert (stamp.microsecond, line) == (123456, "INFO ready")

    @given(st.text(max_size=80))
    def test_never_raises_and_keeps_text(self, raw: str) -> None:
        stamp, line = split_timestamp(raw)
        assert line == raw or (stamp is not None and raw.endswith(line))
