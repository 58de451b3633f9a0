"""Cloud Run resource names: validated before they reach any Google API query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from providers.errors import ConfigError, ProviderError
from providers.model import CloudRunLocation

# Project IDs: 6-30 chars, lowercase letters/digits/hyphens, start with a letter, no
# trailing hyphen; legacy domain-scoped IDs carry a "domain.com:" prefix.
_PROJECT = re.compile(r"(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]")
_REGION = re.compile(r"[a-z]+-[a-z]+[0-9]{1,2}")
# Cloud Run service names: lowercase letters/digits/hyphens, start with a letter, <= 49.
_SERVICE = re.compile(r"[a-z](?:[a-z0-9-]{0,47}[a-z0-9])?")
# Revision names are DNS labels (<= 63 chars).
_REVISION = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class CloudRunNames:
    """A validated project / region / service triple and the resource paths built from it."""

    project: str
    region: str
    service: str

    @classmethod
    def of(cls, location: CloudRunLocation) -> CloudRunNames:
        """Validate a catalog location; ConfigError names the offending field."""
        for label, value, rule in (
            ("project", location.project, _PROJECT),
            ("region", location.region, _REGION),
            ("service", location.service, _SERVICE),
        ):
            if not isinstance(value, str) or not rule.fullmatch(value):
                raise ConfigError(f"Invalid Cloud Run {label} name: {value!r}")
        return cls(location.project, location.region, location.service)

    @property
    def parent(self) -> str:
        """`projects/P/locations/R`."""
        return f"projects/{self.project}/locations/{self.region}"

    @property
    def service_path(self) -> str:
        """`projects/P/locations/R/services/S`."""
        return f"{self.parent}/services/{self.service}"

    def revision_path(self, name: str) -> str:
        """The full path of one of this service's revisions, from a short or full name.

        Revision names come back from the API; they are checked all the same because
        they are sent back in the next query.
        """
        short = name.rsplit("/", 1)[-1]
        if name not in (short, f"{self.service_path}/revisions/{short}") or not _REVISION.fullmatch(
            short
        ):
            raise ProviderError(
                f"Unexpected Cloud Run revision name {name!r}",
                provider="gcp",
                operation="run.GetRevision",
            )
        return f"{self.service_path}/revisions/{short}"
