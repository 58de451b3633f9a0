"""Cloud Run names: only what Google's naming rules allow reaches a query."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.errors import ConfigError, ProviderError
from providers.gcp.names import CloudRunNames
from providers.model import CloudRunLocation

_SAFE = re.compile(r"[a-z0-9:.-]+")


class TestValidation:
    """Valid names pass unchanged; anything else is a ConfigError naming the field."""

    @pytest.mark.parametrize(
        ("project", "region", "service"),
        [
            ("acme-sandbox", "us-central1", "search-frontend"),
            ("my-project-123456", "europe-west4", "a"),
            ("example.com:legacy-proj", "northamerica-northeast1", "svc2"),
            ("abcdef", "asia-southeast1", "x" * 49),
        ],
    )
    def test_valid_names_build_resource_paths(
        self, project: str, region: str, service: str
    ) -> None:
        names = CloudRunNames.of(CloudRunLocation(project, region, service))
        assert names.service_path == f"projects/{project}/locations/{region}/services/{service}"

    def test_error_names_the_field(self) -> None:
        with pytest.raises(ConfigError, match="region"):
            CloudRunNames.of(CloudRunLocation("acme-sandbox", "US-CENTRAL1", "svc"))

    @given(project=st.text(max_size=40), region=st.text(max_size=30), service=st.text(max_size=60))
    def test_accepted_names_cannot_break_out_of_a_quoted_filter(
        self, project: str, region: str, service: str
    ) -> None:
        try:
            names = CloudRunNames.of(CloudRunLocation(project, region, service))
        except ConfigError:
            return
        for value in (names.project, names.region, names.service):
            assert _SAFE.fullmatch(value)


class TestRevisionPaths:
    """Revision names from API answers are checked before they are sent back."""

    names = CloudRunNames("acme-sandbox", "us-central1", "profile-svc")

    def test_short_and_full_names_give_the_full_path(self) -> None:
        full = f"{self.names.service_path}/revisions/profile-svc-00008-zt5"
        assert self.names.revision_path("profile-svc-00008-zt5") == full
        assert self.names.revision_path(full) == full

    @pytest.mark.parametrize(
        "name",
        [
            "projects/other/locations/us-central1/services/profile-svc/revisions/r-1",
            "../../secrets/x",
            "Rev-1",
            "",
        ],
    )
    def test_foreign_or_malformed_revisions_are_refused(self, name: str) -> None:
        with pytest.raises(ProviderError):
            self.names.revision_path(name)
