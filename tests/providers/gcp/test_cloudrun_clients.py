"""The Google API clients are built once per kind, however many components ask at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from providers.gcp.clients import GcpClients


@pytest.fixture
def user_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Application Default Credentials from a file (an authorized-user one: no network to load)."""
    path = tmp_path / "adc.json"
    path.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "test-client.apps.googleusercontent.com",
                "client_secret": "test-only",
                "refresh_token": "test-only",
                "quota_project_id": "sandbox-project",
            }
        )
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "sandbox-project")


@pytest.mark.usefixtures("user_credentials")
async def test_concurrent_first_calls_share_one_client() -> None:
    clients = GcpClients(endpoint=None)
    try:
        built = await asyncio.gather(*(clients.get("logging") for _ in range(4)))
        assert all(client is built[0] for client in built)
    finally:
        await clients.close()
