"""The service catalog: validation errors name file, entry and field; lookups are forgiving."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import Catalog
from providers.errors import ConfigError, UnknownServiceError
from providers.model import EcsLocation, KubernetesLocation
from providers.sandbox.runtime import CATALOG_PATH

GOOD = """
services:
  checkout-api:
    platform: ecs
    env: prod
    cluster: prod
    service: checkout-api
    region: us-east-1
    aliases: [checkout]
    environments:
      staging: {cluster: staging, service: checkout-api-staging}
  payments-worker:
    platform: kubernetes
    namespace: payments
    deployment: payments-worker
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "services.yml"
    path.write_text(text)
    return path


class TestLoading:
    """A valid file loads; a broken one says where it is broken."""

    def test_the_sandbox_catalog_loads_every_contract_service(self) -> None:
        catalog = Catalog.load(CATALOG_PATH)
        assert len(catalog.names()) == 12
        assert catalog.entry("checkout-api").platform == "ecs"

    def test_error_names_file_entry_and_field(self, tmp_path: Path) -> None:
        path = write(tmp_path, GOOD.replace("region: us-east-1", "region: mars"))
        with pytest.raises(ConfigError) as info:
            Catalog.load(path)
        message = str(info.value)
        assert str(path) in message
        assert "services.checkout-api.region" in message

    def test_unknown_platform_is_named(self, tmp_path: Path) -> None:
        path = write(tmp_path, "services:\n  x:\n    platform: nomad\n")
        with pytest.raises(ConfigError, match="nomad"):
            Catalog.load(path)

    def test_missing_file_says_how_to_point_at_one(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="DEPLOY_FEEDBACK_CATALOG"):
            Catalog.load(tmp_path / "nope.yml")

    def test_yaml_syntax_error_is_a_config_error(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="cannot read catalog"):
            Catalog.load(write(tmp_path, "services: [unclosed"))

    @pytest.mark.parametrize(
        "bad", ["payments; rm -rf /", "../etc", "UPPER", "a" * 80, "ns with space"]
    )
    def test_names_that_could_reach_a_provider_query_are_validated(
        self, tmp_path: Path, bad: str
    ) -> None:
        text = GOOD.replace("namespace: payments", f"namespace: {bad!r}")
        with pytest.raises(ConfigError, match="namespace"):
            Catalog.load(write(tmp_path, text))


class TestLookup:
    """Names, aliases and environments resolve to targets; unknown names get suggestions."""

    def test_resolve_default_environment(self, tmp_path: Path) -> None:
        target = Catalog.load(write(tmp_path, GOOD)).resolve("checkout-api")
        assert target.env == "prod"
        assert target.location == EcsLocation("prod", "checkout-api", "us-east-1")

    def test_resolve_named_environment_overrides_fields(self, tmp_path: Path) -> None:
        target = Catalog.load(write(tmp_path, GOOD)).resolve("checkout-api", "staging")
        assert isinstance(target.location, EcsLocation)
        assert target.location.cluster == "staging"
        assert target.location.service == "checkout-api-staging"

    def test_alias_resolves_to_canonical_name(self, tmp_path: Path) -> None:
        target = Catalog.load(write(tmp_path, GOOD)).resolve("checkout")
        assert target.name == "checkout-api"

    def test_unknown_environment_lists_known_ones(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=r"known: prod, staging"):
            Catalog.load(write(tmp_path, GOOD)).resolve("checkout-api", "qa")

    def test_unknown_service_suggests_close_names(self, tmp_path: Path) -> None:
        with pytest.raises(UnknownServiceError) as info:
            Catalog.load(write(tmp_path, GOOD)).resolve("chekout-api")
        assert info.value.suggestions[0] == "checkout-api"
        assert "Did you mean" in str(info.value)

    def test_kubernetes_namespace_defaults_are_kept(self, tmp_path: Path) -> None:
        target = Catalog.load(write(tmp_path, GOOD)).resolve("payments-worker")
        assert target.location == KubernetesLocation("payments", "payments-worker")
        assert target.identifiers()["namespace"] == "payments"
