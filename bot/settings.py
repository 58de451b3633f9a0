"""Settings from the environment (pydantic-settings); standard names keep their own spelling."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from providers.registry import ProviderSettings


def _std(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Everything an operator can set; `DEPLOY_FEEDBACK_` prefix unless a standard name exists."""

    model_config = SettingsConfigDict(
        env_prefix="DEPLOY_FEEDBACK_", extra="ignore", populate_by_name=True
    )

    # --- what to diagnose, and where ---
    sandbox: bool = False
    catalog: Path = Path("services.yml")
    patterns_dir: Path | None = None

    # --- budgets and bounds (the seed's figures) ---
    basic_budget_s: float = Field(10.0, gt=0)
    comprehensive_budget_s: float = Field(30.0, gt=0)
    hard_stop_s: float = Field(60.0, gt=0)
    request_timeout_s: float = Field(10.0, gt=0)
    max_concurrent: int = Field(50, ge=1)
    rate_limit: str = "100/minute"
    window_minutes: int = Field(60, ge=1, le=7 * 24 * 60)

    # --- Slack ---
    slack_bot_token: str | None = Field(None, validation_alias=_std("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=_std("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=_std("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_std("SLACK_API_URL"))
    port: int = Field(3000, ge=0, le=65535, validation_alias=_std("PORT"))
    watch_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    button_secret: str | None = None

    # --- shared state ---
    redis_url: str | None = Field(None, validation_alias=_std("REDIS_URL"))

    # --- platform endpoints (None = the platform's own default chain) ---
    kubeconfig: Path | None = Field(None, validation_alias=_std("KUBECONFIG"))
    kube_context: str | None = None
    kube_watch_namespaces: int = Field(20, ge=0)
    kube_watch_idle_s: float = Field(600.0, gt=0)
    aws_endpoint_url: str | None = Field(None, validation_alias=_std("AWS_ENDPOINT_URL"))
    aws_profile: str | None = Field(None, validation_alias=_std("AWS_PROFILE"))
    gcp_endpoint: str | None = None

    @field_validator("watch_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def provider_settings(self) -> ProviderSettings:
        """Endpoints for the real platforms (the sandbox supplies its own)."""
        kubeconfig = self.kubeconfig
        if kubeconfig is not None and ":" in str(kubeconfig):
            kubeconfig = Path(str(kubeconfig).split(":", 1)[0])  # KUBECONFIG may be a list
        return ProviderSettings(
            kubeconfig=kubeconfig,
            kube_context=self.kube_context,
            aws_endpoint_url=self.aws_endpoint_url,
            aws_profile=self.aws_profile,
            gcp_endpoint=self.gcp_endpoint,
            request_timeout_s=self.request_timeout_s,
            kube_watch_namespaces=self.kube_watch_namespaces,
            kube_watch_idle_s=self.kube_watch_idle_s,
        )
