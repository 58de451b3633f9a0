"""Each deploy tool's Slack message -> DeployAlert: the shared sample, and formats it lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.alerts import match_service, parse_message
from bot.alerts.names import service_and_env, split_env
from bot.catalog import Catalog

SAMPLE = Path(__file__).with_name("alerts_dev.jsonl")
CASES = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_sample_alerts_parse_to_expected_fields(case: dict[str, Any]) -> None:
    alert = parse_message(case["payload"])
    for key, expected in case["expected"].items():
        assert getattr(alert, key) == expected, key


def _attachment_message(attachment: dict[str, Any], text: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "C1",
        "ts": "1.0",
        "text": text,
        "attachments": [attachment],
        **extra,
    }


# Real formats for tools and states the sample does not cover; each cites its source.
OWN: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        # argo-cd notifications_catalog/templates/app-health-degraded.yaml
        "argocd-health-degraded",
        _attachment_message(
            {
                "title": "orders-api-staging",
                "color": "#f4c030",
                "fields": [
                    {"title": "Health Status", "value": "Degraded", "short": True},
                    {"title": "Repository", "value": "https://github.com/acme/k8s.git"},
                ],
            },
            text=":exclamation: Application orders-api-staging has degraded.\nApplication "
            "details: https://argocd.acme.io/applications/orders-api-staging.",
        ),
        {"source": "argocd", "is_failure": True, "service": "orders-api", "env": "staging"},
    ),
    (
        # argo-cd notifications_catalog/templates/app-deployed.yaml
        "argocd-deployed",
        _attachment_message(
            {
                "title": "orders-api-prod",
                "color": "#18be52",
                "fields": [{"title": "Revision", "value": "3c1a9f2d", "short": True}],
            },
            text=":white_check_mark: Application orders-api-prod is now running new version "
            "of deployments manifests.",
        ),
        {"source": "argocd", "is_failure": False, "service": "orders-api", "revision": "3c1a9f2d"},
    ),
    (
        # argo-rollouts manifests/notifications/on-rollout-aborted.yaml
        "rollouts-aborted",
        _attachment_message(
            {
                "title": "ledger",
                "color": "#E01E5A",
                "fields": [
                    {"title": "Strategy", "value": "Canary", "short": True},
                    {"title": "ledger", "value": "ghcr.io/acme/ledger:v4.2.0", "short": True},
                ],
            },
            text="Rollout ledger has been aborted.",
        ),
        {"source": "argo-rollouts", "is_failure": True, "service": "ledger", "revision": "v4.2.0"},
    ),
    (
        # fluxcd notification-controller: info severity is colour "good"
        "flux-info",
        _attachment_message(
            {
                "color": "good",
                "author_name": "helmrelease/ledger.prod",
                "text": "Helm upgrade succeeded for release prod/ledger with chart ledger@2.0.1",
                "fields": [{"title": "revision", "value": "2.0.1"}],
            },
        ),
        {"source": "flux", "is_failure": False, "service": "ledger", "env": "prod"},
    ),
    (
        # 8398a7/action-slack success text
        "gha-action-slack-success",
        _attachment_message(
            {
                "color": "good",
                "author_name": "8398a7@action-slack",
                "fields": [
                    {"title": "repo", "value": "<https://github.com/acme/ledger|acme/ledger>"},
                    {
                        "title": "commit",
                        "value": "<https://github.com/acme/ledger/commit/0a1b2c3d4e|0a1b2c3d>",
                    },
                ],
            },
            text=":white_check_mark: Succeeded GitHub Actions\n",
        ),
        {
            "source": "github-actions",
            "is_failure": False,
            "service": "ledger",
            "revision": "0a1b2c3d",
        },
    ),
    (
        # gitlab pipeline_message.rb, failed, with failed stages/jobs fields
        "gitlab-pipeline-failed",
        _attachment_message(
            {
                "fallback": "<https://gitlab.acme.io/acme/orders-api|orders-api>: Pipeline "
                "<https://gitlab.acme.io/acme/orders-api/-/pipelines/9|#9> of branch "
                "<https://gitlab.acme.io/acme/orders-api/-/commits/main|main> by Jo (jo) has "
                "failed in 02:10",
                "color": "danger",
                "title": "Pipeline #9 has failed in 02:10",
                "title_link": "https://gitlab.acme.io/acme/orders-api/-/pipelines/9",
                "fields": [
                    {"title": "Failed stage", "value": "deploy"},
                    {"title": "Failed job", "value": "deploy-prod"},
                ],
                "footer": "orders-api",
            },
            username="GitLab",
        ),
        {"source": "gitlab", "is_failure": True, "service": "orders-api"},
    ),
    (
        # jenkinsci/slack-plugin "Still Failing" is a repeat of the same failure
        "jenkins-still-failing",
        _attachment_message(
            {
                "fallback": "orders-api-deploy-prod - #15 Still Failing after 1 min 2 sec "
                "(<https://jenkins.acme.io/job/orders-api-deploy-prod/15/|Open>)",
                "color": "danger",
            },
        ),
        {
            "source": "jenkins",
            "is_failure": True,
            "repeat": True,
            "service": "orders-api",
            "env": "prod",
        },
    ),
    (
        "jenkins-back-to-normal",
        _attachment_message(
            {
                "fallback": "orders-api-deploy-prod - #16 Back to normal after 58 sec "
                "(<https://jenkins.acme.io/job/orders-api-deploy-prod/16/|Open>)",
                "color": "good",
            },
        ),
        {"source": "jenkins", "is_failure": False, "service": "orders-api"},
    ),
    (
        # terraform-aws-notify-slack format_cloudwatch_alarm, back to OK
        "cloudwatch-ok",
        _attachment_message(
            {
                "color": "good",
                "fields": [
                    {"title": "Alarm Name", "value": "`prod-ledger-5xx`"},
                    {"title": "Alarm Description", "value": "`ECS service ledger 5xx`"},
                    {"title": "Old State", "value": "`ALARM`"},
                    {"title": "Current State", "value": "`OK`"},
                ],
            },
        ),
        {"source": "cloudwatch", "is_failure": False, "service": "ledger", "env": "prod"},
    ),
    (
        # an ECS deployment event posted as raw EventBridge JSON (e.g. by a Lambda relay)
        "ecs-raw-json-completed",
        {
            "type": "message",
            "channel": "C1",
            "ts": "1.0",
            "text": json.dumps(
                {
                    "version": "0",
                    "detail-type": "ECS Deployment State Change",
                    "source": "aws.ecs",
                    "resources": ["arn:aws:ecs:us-east-1:111122223333:service/staging/ledger"],
                    "detail": {"eventType": "INFO", "eventName": "SERVICE_DEPLOYMENT_COMPLETED"},
                }
            ),
        },
        {"source": "ecs", "is_failure": False, "service": "ledger", "env": "staging"},
    ),
    (
        "datadog-recovered",
        _attachment_message(
            {
                "title": "[P1] [Recovered on {env:prod,service:orders-api}] orders-api 5xx",
                "color": "good",
                "text": "Recovered.",
            },
        ),
        {"source": "datadog", "is_failure": False, "service": "orders-api", "env": "prod"},
    ),
    (
        "datadog-re-triggered",
        _attachment_message(
            {
                "title": "[P1] [Re-Triggered on {env:prod,service:orders-api}] orders-api 5xx",
                "color": "danger",
                "text": "Still above threshold.",
            },
        ),
        {"source": "datadog", "is_failure": True, "repeat": True, "service": "orders-api"},
    ),
    (
        # cloud-build-notifiers slack.json, success
        "cloud-build-success",
        _attachment_message(
            {
                "color": "#22bb33",
                "blocks": [
                    {
                        "type": "section",
                        "text": {
                            "type": "mrkdwn",
                            "text": "Cloud Build acme-prod 1f2e3d4c-0000-4c7e-a8f2-0d6b SUCCESS",
                        },
                    }
                ],
            },
        ),
        {"source": "cloud-build", "is_failure": False, "service": None},
    ),
    (
        # CircleCI-Public/slack-orb src/message_templates/basic_fail_1.json
        "circleci-basic-fail",
        {
            "type": "message",
            "channel": "C1",
            "ts": "1.0",
            "text": "CircleCI job failed!",
            "blocks": [
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": "Job Failed. :red_circle:"},
                },
                {
                    "type": "section",
                    "fields": [{"type": "mrkdwn", "text": "*Job*: deploy-staging"}],
                },
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": "*Project*: ledger"},
                        {"type": "mrkdwn", "text": "*Branch*: main"},
                        {
                            "type": "mrkdwn",
                            "text": "*Commit*: 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
                        },
                        {"type": "mrkdwn", "text": "*Author*: jo"},
                    ],
                },
            ],
        },
        {
            "source": "circleci",
            "is_failure": True,
            "service": "ledger",
            "env": "staging",
            "revision": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
        },
    ),
    (
        # Alertmanager default slack title, firing, with a community template's label list
        "alertmanager-firing",
        _attachment_message(
            {
                "title": "[FIRING:1] KubeDeploymentRolloutStuck (orders-api shop critical)",
                "color": "danger",
                "text": "*Alert:* Rollout stuck\n*Details:*\n"
                " • *alertname:* `KubeDeploymentRolloutStuck`"
                "\n • *deployment:* `orders-api`\n • *namespace:* `shop`\n • *env:* `prod`",
            },
        ),
        {"source": "alertmanager", "is_failure": True, "service": "orders-api", "env": "prod"},
    ),
    (
        "alertmanager-resolved",
        _attachment_message(
            {
                "title": "[RESOLVED] KubeDeploymentRolloutStuck (orders-api shop critical)",
                "color": "good",
                "text": " • *deployment:* `orders-api`",
            },
        ),
        {"source": "alertmanager", "is_failure": False, "service": "orders-api"},
    ),
]


@pytest.mark.parametrize(("name", "event", "expected"), OWN, ids=[o[0] for o in OWN])
def test_own_real_format_payloads(
    name: str, event: dict[str, Any], expected: dict[str, Any]
) -> None:
    alert = parse_message(event)
    for key, value in expected.items():
        assert getattr(alert, key) == value, f"{name}: {key}"


class TestUnrecognised:
    """Messages no parser knows are not failures."""

    @pytest.mark.parametrize(
        "event",
        [
            {},
            {"text": "lunch is here"},
            {"text": "the deploy failed, again :("},  # chatter, not a tool's alert
            {"attachments": "not a list", "blocks": {"x": 1}, "text": 42},
        ],
    )
    def test_not_a_failure(self, event: dict[str, Any]) -> None:
        alert = parse_message(event)
        assert alert.source == "unknown"
        assert alert.is_failure is False


CATALOG = Catalog.from_data(
    {
        "services": {
            "checkout-api": {
                "platform": "kubernetes",
                "env": "prod",
                "deployment": "checkout-api",
                "aliases": ["co-api"],
            },
            "search-indexer": {"platform": "kubernetes", "deployment": "search-indexer"},
        }
    }
)


class TestMatchService:
    """Alert names reach the catalog tolerantly, and only the catalog's names come out."""

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("checkout-api", "checkout-api"),
            ("Checkout-API", "checkout-api"),
            ("checkout-api-prod", "checkout-api"),
            ("prod-checkout-api", "checkout-api"),
            ("checkoutapi", "checkout-api"),
            ("checkout_api", "checkout-api"),
            ("co-api", "checkout-api"),
            ("searchindexer", "search-indexer"),
            ("checkout-api-deploy", "checkout-api"),
            ("billing-api", None),
            ("", None),
            (None, None),
        ],
    )
    def test_match(self, name: str | None, expected: str | None) -> None:
        assert match_service(name, CATALOG) == expected


def test_env_words_at_either_end_are_split_off() -> None:
    assert split_env("payments-worker-staging") == ("payments-worker", "staging")
    assert split_env("production_ledger") == ("ledger", "prod")
    assert split_env("load-test") == ("load-test", None)
    assert service_and_env("checkout-api-deploy-prod") == ("checkout-api", "prod")
