"""Pure parts of the AWS provider: error translation, JSON shaping, names, loopback detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from providers.aws import names
from providers.aws.api import round_window
from providers.aws.clients import (
    is_loopback,
    iso_timestamp,
    to_json,
    translate_client_error,
)
from providers.base import CollectContext
from providers.errors import (
    ConfigError,
    ProviderError,
    ProviderNotFound,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderUnavailable,
)
from providers.gateway import DirectGateway
from providers.model import EcsLocation, ServiceTarget


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "Op",
    )


class TestErrorTranslation:
    """AWS error codes land on the branch of the error tree that callers catch."""

    @pytest.mark.parametrize(
        ("code", "status", "expected"),
        [
            ("ThrottlingException", 400, ProviderThrottled),
            ("TooManyRequestsException", 429, ProviderThrottled),
            ("RequestLimitExceeded", 503, ProviderThrottled),
            ("Throttling", 400, ProviderThrottled),
            ("ServerException", 500, ProviderUnavailable),
            ("ServiceUnavailable", 503, ProviderUnavailable),
            ("SomethingNew", 502, ProviderUnavailable),
            ("AccessDeniedException", 400, ProviderPermissionDenied),
            ("UnauthorizedOperation", 403, ProviderPermissionDenied),
            ("ServiceNotFoundException", 400, ProviderNotFound),
            ("ClusterNotFoundException", 400, ProviderNotFound),
            ("ResourceNotFoundException", 400, ProviderNotFound),
            ("InvalidParameterException", 400, ProviderError),
            ("SomethingNew", 429, ProviderThrottled),
            ("ExpiredTokenException", 400, ProviderPermissionDenied),
            ("UnrecognizedClientException", 400, ProviderPermissionDenied),
            ("InvalidClientTokenId", 403, ProviderPermissionDenied),
        ],
    )
    def test_code_maps_to_branch(
        self, code: str, status: int, expected: type[ProviderError]
    ) -> None:
        error = translate_client_error("ecs:DescribeServices", client_error(code, status))
        assert type(error) is expected
        assert error.provider == "aws"
        assert error.operation == "ecs:DescribeServices"
        assert code in str(error)


class TestJsonShape:
    """botocore answers become cacheable JSON."""

    @pytest.mark.parametrize(
        ("raw", "iso"),
        [
            (1767225600.5, "2026-01-01T00:00:00.500000+00:00"),
            ("1767225600", "2026-01-01T00:00:00+00:00"),
            ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00"),
            ("2026-01-01T00:00:00.123+00:00", "2026-01-01T00:00:00.123+00:00"),
        ],
    )
    def test_timestamps_stay_iso_text(self, raw: str | float, iso: str) -> None:
        assert iso_timestamp(raw) == iso
        assert datetime.fromisoformat(iso_timestamp(raw)).tzinfo is not None

    def test_datetimes_become_iso_strings(self) -> None:
        moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert to_json({"a": [moment], "b": (1, b"x")}) == {
            "a": ["2026-01-02T03:04:05+00:00"],
            "b": [1, "x"],
        }


class TestWindow:
    """Calls made a few seconds apart ask the same question, so a cache can answer them."""

    def test_nearby_windows_round_to_the_same_step(self) -> None:
        def ctx(second: int) -> CollectContext:
            until = datetime(2026, 1, 1, 12, 0, second, tzinfo=UTC)
            target = ServiceTarget("s", "ecs", EcsLocation("prod", "s", "us-east-1"))
            return CollectContext(
                target, "basic", until - timedelta(hours=1), until, DirectGateway()
            )

        assert round_window(ctx(31), 15) == round_window(ctx(44), 15)
        since, until = round_window(ctx(31), 15)
        assert since <= ctx(31).since
        assert until >= ctx(31).until


class TestNames:
    """Only names within AWS's own rules reach a query."""

    @pytest.mark.parametrize("bad", ["", "prod cluster", "a/b", "x" * 256, "svc;rm"])
    def test_bad_cluster_and_service_names_are_config_errors(self, bad: str) -> None:
        with pytest.raises(ConfigError):
            names.validate_location(EcsLocation(bad, "svc", "us-east-1"))
        with pytest.raises(ConfigError):
            names.validate_location(EcsLocation("prod", bad, "us-east-1"))

    @pytest.mark.parametrize("bad", ["us_east_1", "US-EAST-1", "useast1", "us-east-1; x"])
    def test_bad_regions_are_config_errors(self, bad: str) -> None:
        with pytest.raises(ConfigError):
            names.region(bad)

    def test_good_names_and_arns_pass(self) -> None:
        location = EcsLocation(
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
            "checkout-api",
            "us-gov-west-1",
            log_group="/ecs/checkout-api",
            target_groups=("checkout-tg",),
        )
        assert names.validate_location(location) is location

    @given(st.text(min_size=1, max_size=40))
    def test_accepted_log_groups_use_only_the_allowed_alphabet(self, value: str) -> None:
        try:
            names.log_group(value)
        except ConfigError:
            return
        assert set(value) <= set(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/#-"
        )


class TestLoopback:
    """Dummy credentials are used only for endpoints on this machine."""

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("http://127.0.0.1:4566", True),
            ("http://localhost:5000", True),
            ("http://[::1]:80", True),
            ("https://ecs.us-east-1.amazonaws.com", False),
            ("http://10.0.0.5:4566", False),
            (None, False),
        ],
    )
    def test_loopback(self, url: str | None, expected: bool) -> None:
        assert is_loopback(url) is expected


class TestProfiles:
    """A missing named profile is a configuration error, found before any call."""

    def test_missing_profile_is_a_config_error(self) -> None:
        from providers.aws import create
        from providers.registry import ProviderSettings

        with pytest.raises(ConfigError, match="df-test-no-such-profile"):
            create(ProviderSettings(aws_profile="df-test-no-such-profile"))


async def test_requests_carry_a_fixed_user_agent_naming_the_bot() -> None:
    """The User-Agent is ours and fixed (botocore rebuilds its own on every request)."""
    from aiohttp import web

    from providers.aws.clients import AwsClients
    from providers.registry import ProviderSettings

    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.headers.get("User-Agent", ""))
        return web.json_response(
            {"clusters": [], "failures": []}, content_type="application/x-amz-json-1.1"
        )

    app = web.Application()
    app.router.add_post("/", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    clients = AwsClients(ProviderSettings(aws_endpoint_url=f"http://127.0.0.1:{port}"))
    try:
        ecs = await clients.client("ecs", "us-east-1")
        for _ in range(2):
            await ecs.describe_clusters(clusters=["prod"])
    finally:
        await clients.close()
        await runner.cleanup()
    assert len(seen) == 2
    assert seen[0] == seen[1]
    assert seen[0].startswith("deploy-feedback/")
    assert "botocore/" in seen[0]
