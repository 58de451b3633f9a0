"""Engine behaviour: findings, causal ranking, fixes, evidence limits, templates, timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analysis.engine import MAX_EVIDENCE, MAX_LINE, Engine
from analysis.evidence_text import evidence_from_text
from analysis.model import CATEGORIES
from providers.model import Evidence

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def top(engine: Engine, text: str, platform: str = "generic") -> str:
    found = engine.analyze(evidence_from_text(text), platform=platform).findings
    return found[0].category if found else "none"


class TestFindings:
    """Findings are sorted, one per category, with filled fixes and capped, redacted evidence."""

    def test_oom_with_context_filled_fix(self, engine: Engine) -> None:
        text = "Last State: Terminated\n  Reason: OOMKilled\n  Exit Code: 137\n"
        analysis = engine.analyze(
            evidence_from_text(text),
            platform="kubernetes",
            context={"deployment": "payments-worker", "namespace": "payments"},
        )
        first = analysis.findings[0]
        assert first.category == "oom_killed"
        assert first.confidence > 0.9
        assert any(
            "kubectl set resources deployment/payments-worker -n payments" in f for f in first.fixes
        )
        assert "Reason: OOMKilled" in first.evidence

    def test_unknown_placeholders_stay_readable(self, engine: Engine) -> None:
        found = engine.analyze(evidence_from_text("Reason: OOMKilled"), platform="kubernetes")
        assert any("deployment/<deployment> -n <namespace>" in f for f in found.findings[0].fixes)

    def test_platform_picks_the_fix(self, engine: Engine) -> None:
        line = "Memory limit of 512 MiB exceeded with 530 MiB used."
        ctx = {"service": "media-resizer", "region": "us-central1", "project": "acme"}
        run = engine.analyze(evidence_from_text(line), platform="cloudrun", context=ctx)
        assert any("gcloud run services update media-resizer" in f for f in run.findings[0].fixes)
        generic = engine.analyze(evidence_from_text(line), platform="generic")
        assert not any("gcloud" in f for f in generic.findings[0].fixes)

    def test_docs_link_suits_the_platform(self, engine: Engine) -> None:
        cases = [
            (
                "cloudrun",
                "Permission 'secretmanager.versions.access' denied for resource "
                "'projects/p/secrets/db/versions/latest' (or it may not exist).",
                "cloud.google.com",
            ),
            (
                "ecs",
                "Essential container in task exited: OutOfMemoryError: Container killed due "
                "to memory usage",
                "aws",
            ),
            ("ecs", "Error: listen EADDRINUSE: address already in use :::8080", "aws.amazon.com"),
            (
                "kubernetes",
                "Error: listen EADDRINUSE: address already in use :::8080",
                "kubernetes.io",
            ),
        ]
        for platform, text, host in cases:
            finding = engine.analyze(evidence_from_text(text), platform=platform).findings[0]
            assert finding.docs_url is not None, text
            assert host in finding.docs_url, (platform, finding.pattern, finding.docs_url)

    def test_sorted_one_per_category_and_json_shape(self, engine: Engine) -> None:
        text = "\n".join(
            [
                "Error: getaddrinfo ENOTFOUND api.internal",
                "dial tcp: lookup db on 10.96.0.10:53: no such host",
                "x509: certificate signed by unknown authority",
                "ModuleNotFoundError: No module named 'yaml'",
            ]
        )
        findings = engine.analyze(evidence_from_text(text)).findings
        confidences = [f.confidence for f in findings]
        assert confidences == sorted(confidences, reverse=True)
        assert len({f.category for f in findings}) == len(findings)
        shape = findings[0].to_json()
        assert {"category", "pattern", "title", "confidence", "evidence", "fixes"} <= set(shape)
        assert shape["category"] in CATEGORIES

    def test_evidence_is_capped_in_count_and_length(self, engine: Engine) -> None:
        lines = [f"Error: getaddrinfo ENOTFOUND host-{i} " + "x" * 2000 for i in range(40)]
        finding = engine.analyze(evidence_from_text("\n".join(lines))).findings[0]
        assert len(finding.evidence) == MAX_EVIDENCE
        assert all(len(e) <= MAX_LINE for e in finding.evidence)

    def test_elapsed_is_measured(self, engine: Engine) -> None:
        assert engine.analyze(evidence_from_text("Reason: OOMKilled")).elapsed_ms > 0

    def test_counter_evidence_rules_out_oom(self, engine: Engine) -> None:
        text = (
            "State.OOMKilled is false, State.ExitCode is 137\n"
            "Container app failed liveness probe, will be restarted"
        )
        assert top(engine, text) == "health_check_failed"


class TestCauseOverSymptom:
    """Causal rules rank the cause above the loud symptom."""

    def test_db_timeout_behind_failing_health_checks(self, engine: Engine) -> None:
        text = (
            "service inventory-svc (port 8080) is unhealthy in (target-group tg) due to "
            "(reason Health checks failed).\nTask failed ELB health checks in (target-group tg)\n"
            'psycopg2.OperationalError: connection to server at "db" (10.0.3.4), '
            "port 5432 failed: Connection timed out"
        )
        assert top(engine, text, "ecs") == "db_connection"
        findings = engine.analyze(evidence_from_text(text), platform="ecs").findings
        assert "explains the health_check_failed" in findings[0].explanation
        assert findings[1].category == "health_check_failed"

    def test_a_database_host_that_does_not_resolve_is_dns(self, engine: Engine) -> None:
        # The driver's connect error carries the resolver's answer: the cause is the name.
        for text in (
            'psycopg2.OperationalError: could not translate host name "db" to address: '
            "Name or service not known",
            "Postgrex.Protocol (#PID<0.1.0>) failed to connect: ** (DBConnection.ConnectionError)"
            " tcp connect (db.internal:5432): non-existing domain - :nxdomain",
        ):
            assert top(engine, text, "kubernetes") == "dns_network", text
        # the same driver error without a resolver's answer stays a database problem
        refused = (
            "Postgrex.Protocol (#PID<0.1.0>) failed to connect: ** (DBConnection.ConnectionError)"
            " tcp connect (db.internal:5432): connection refused - :econnrefused"
        )
        assert top(engine, refused, "kubernetes") == "db_connection"

    def test_a_missing_setting_explains_the_name_that_does_not_resolve(
        self, engine: Engine
    ) -> None:
        text = (
            "Timeout waiting for service discovery instance provisioning to complete.\n"
            "curl: (6) Could not resolve host: api.internal.example"
        )
        findings = engine.analyze(evidence_from_text(text), platform="ecs").findings
        assert findings[0].category == "missing_config"
        assert "explains the dns_network" in findings[0].explanation

    def test_an_unset_variable_in_the_probe_script_is_the_probe_failing(
        self, engine: Engine
    ) -> None:
        # The same shell error is a missing setting in the app's entrypoint, but inside the
        # kubelet's probe message it is the probe's own script that is broken.
        probe = (
            "Warning  Unhealthy  4m  kubelet  Readiness probe failed: /readiness-probe.sh: "
            "line 33: DELAY_APPLIED_FILE: unbound variable"
        )
        assert top(engine, probe, "kubernetes") == "health_check_failed"
        entrypoint = "/docker-entrypoint.sh: line 8: POSTGRES_HOST: unbound variable"
        assert top(engine, entrypoint, "kubernetes") == "missing_config"

    def test_a_client_refused_on_loopback_is_an_unset_host_where_no_sidecar_can_listen(
        self, engine: Engine
    ) -> None:
        # On Fargate or Cloud Run nothing listens on 127.0.0.1:6379 unless the task has a
        # sidecar, so the client fell back to its default host: the setting is missing.  In a
        # pod a sidecar may well be down, so the same line stays a connection problem there.
        text = "Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect"
        assert top(engine, text, "ecs") == "missing_config"
        assert top(engine, text, "cloudrun") == "missing_config"
        assert top(engine, text, "kubernetes") == "db_connection"
        # a real host refusing is a database problem on every platform
        remote = "Error: connect ECONNREFUSED 10.0.3.4:6379\n    at TCPConnectWrap.afterConnect"
        assert top(engine, remote, "ecs") == "db_connection"

    def test_oom_behind_crash_loop(self, engine: Engine) -> None:
        text = (
            "Warning BackOff kubelet Back-off restarting failed container\n"
            "Reason: CrashLoopBackOff\nLast State: Terminated\n  Reason: OOMKilled\n"
            "  Exit Code: 137"
        )
        assert top(engine, text, "kubernetes") == "oom_killed"

    def test_no_space_behind_pull_failure(self, engine: Engine) -> None:
        text = (
            'Failed to pull image "acme/api:2": failed to register layer: write '
            "/var/lib/containerd/tmp/x: no space left on device\nErrImagePull\nImagePullBackOff"
        )
        assert top(engine, text, "kubernetes") == "disk_full"

    def test_worker_timeout_sigkill_is_timeout(self, engine: Engine) -> None:
        text = (
            "[2026-11-27 10:00:31 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:9)\n"
            "[2026-11-27 10:00:32 +0000] [1] [ERROR] Worker (pid:9) was sent SIGKILL! "
            "Perhaps out of memory?"
        )
        assert top(engine, text) == "timeout"

    def test_network_behind_registry_pull_timeout(self, engine: Engine) -> None:
        text = (
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
            "failed to resolve ref 1.dkr.ecr.us-east-1.amazonaws.com/n:1: dial tcp "
            "52.1.1.1:443: i/o timeout"
        )
        assert top(engine, text, "ecs") == "dns_network"

    def test_pull_failure_behind_an_ecs_placement_failure(self, engine: Engine) -> None:
        text = (
            "(service worker) was unable to place a task. Reason: CannotPullContainerError: "
            "pull image manifest has been retried 7 time(s): image Manifest does not contain "
            "descriptor matching platform 'linux/amd64'."
        )
        assert top(engine, text, "ecs") == "image_pull"

    def test_a_probe_spec_naming_loopback_is_not_a_loopback_bind(self, engine: Engine) -> None:
        text = (
            "LivenessProbe:&Probe{Handler:Handler{HTTPGet:&HTTPGetAction{Path:/healthz,"
            "Port:6443,Host:127.0.0.1,Scheme:HTTPS,}}} is dead, but RestartPolicy says that "
            "we should restart it."
        )
        analysis = engine.analyze(evidence_from_text(text), platform="kubernetes")
        binding = [f.confidence for f in analysis.findings if f.category == "port_binding"]
        assert max(binding, default=0.0) < 0.3  # 0.61 when the dump counted as a bind

    def test_oom_killed_init_inside_oci_error(self, engine: Engine) -> None:
        text = (
            "CannotStartContainerError: Error response from daemon: OCI runtime create failed: "
            "container_linux.go:380: starting container process caused: container init was "
            "OOM-killed (memory limit too low?): unknown"
        )
        assert top(engine, text, "ecs") == "oom_killed"


class TestSecretAccessOnCloudRun:
    """A Secret Manager IAM denial is an IAM finding, explained as such, no file-system noise."""

    STATUS = (
        "Revision 'accounts-api-00005-k2v' is not ready and cannot serve traffic. "
        "spec.template.spec.containers[0].env[2].value_from.secret_key_ref.name: Permission "
        "denied on secret: projects/123/secrets/accounts-db-password/versions/latest for "
        "Revision service account accounts-api@acme.iam.gserviceaccount.com. The service "
        "account used must be granted the 'Secret Manager Secret Accessor' role "
        "(roles/secretmanager.secretAccessor) at the secret, project or higher level."
    )
    CONFIG = (
        "Revision accounts-api-00005-k2v container main: image gcr.io/acme/accounts:1.4, "
        "port 8080 (PORT=8080), limits memory=512Mi cpu=1, startup probe TCP port 8080 "
        "(initial delay 0s, period 240s, timeout 240s, failure threshold 1), env LOG_LEVEL, "
        "secrets DB_PASSWORD"
    )

    def test_iam_pattern_wins_with_its_explanation(self, engine: Engine) -> None:
        text = f"{self.STATUS}\n{self.CONFIG}"
        found = engine.analyze(evidence_from_text(text), platform="cloudrun").findings
        first = found[0]
        assert (first.category, first.pattern) == ("permission_denied", "secret-access-denied")
        assert first.docs_url == "https://cloud.google.com/run/docs/configuring/services/secrets"
        assert "secretmanager.secretAccessor" in first.explanation
        assert "file" not in first.explanation
        assert "projects/123/secrets/accounts-db-password" in first.evidence[0]
        assert "Permission denied on secret" in first.evidence[0]

    def test_fix_names_the_secret_and_the_service_account(self, engine: Engine) -> None:
        found = engine.analyze(
            evidence_from_text(self.STATUS),
            platform="cloudrun",
            context={"project": "acme", "service": "accounts-api"},
        ).findings[0]
        assert found.fixes == (
            "gcloud secrets add-iam-policy-binding accounts-db-password --project acme --member "
            "serviceAccount:accounts-api@acme.iam.gserviceaccount.com --role "
            "roles/secretmanager.secretAccessor, then redeploy accounts-api",
        )

    def test_ecs_fix_names_the_secret_arn_and_the_execution_role(self, engine: Engine) -> None:
        text = (
            "ResourceInitializationError: unable to pull secrets or registry auth: execution "
            "resource retrieval failed: unable to retrieve secret from asm: service call has been "
            "retried 1 time(s): AccessDeniedException: User: arn:aws:sts::111122223333:"
            "assumed-role/ecsTaskExecutionRole/abc is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: "
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
        )
        found = engine.analyze(evidence_from_text(text), platform="ecs").findings[0]
        assert found.pattern == "secret-access-denied"
        assert (
            "on arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf,"
            in (found.fixes[0])
        )
        assert "task execution role ecsTaskExecutionRole of <service>" in found.fixes[0]

    def test_a_configured_timeout_is_not_a_timeout(self, engine: Engine) -> None:
        found = engine.analyze(evidence_from_text(self.CONFIG), platform="cloudrun").findings
        assert [f.category for f in found] == []

    def test_configured_timeouts_are_not_findings(self, engine: Engine) -> None:
        settings = [
            "    Liveness:  http-get http://:8080/healthz delay=5s timeout=5s period=10s "
            "#success=1 #failure=3",
            '"healthCheck": {"interval": 30, "timeout": 5, "retries": 3}',
            "gunicorn app:app --bind 0.0.0.0:8080 --timeout 120 --workers 2",
            "proxy_read_timeout 60s;",
            "HealthCheckGracePeriodSeconds: 60, deployment timeout 10m",
            "statement_timeout = 30s; lock_timeout = 5s",
        ]
        for line in settings:
            found = engine.analyze(evidence_from_text(line), platform="kubernetes").findings
            assert found == [], (line, [f.pattern for f in found])

    def test_a_rejected_field_change_is_not_a_denied_permission(self, engine: Engine) -> None:
        invalid = (
            'The Deployment "web" is invalid: spec.selector: Invalid value: '
            'map[string]string{"app":"web"}: field is immutable; spec.template: '
            "Forbidden: may not be changed"
        )
        assert top(engine, invalid, "kubernetes") != "permission_denied"
        # the general wording still leads when nothing says "invalid"
        assert top(engine, "upload failed: 403 Forbidden", "kubernetes") == "permission_denied"

    def test_a_quota_that_wants_limits_declared_is_a_missing_setting(self, engine: Engine) -> None:
        wants = 'pods "web-1" is forbidden: failed quota: mem: must specify limits.memory'
        assert top(engine, wants, "kubernetes") == "missing_config"
        used_up = (
            'pods "web-1" is forbidden: exceeded quota: mem, requested: limits.memory=2Gi, '
            "used: limits.memory=8Gi, limited: limits.memory=8Gi"
        )
        assert top(engine, used_up, "kubernetes") == "insufficient_resources"

    def test_a_file_permission_error_is_still_one(self, engine: Engine) -> None:
        text = "PermissionError: [Errno 13] Permission denied: '/app/cache/index.db'"
        assert engine.analyze(evidence_from_text(text)).findings[0].pattern == (
            "file-permission-denied"
        )


class TestAttributesAndDerivedFacts:
    """Structured provider evidence scores through attributes and cross-line facts."""

    def test_exit_137_with_memory_at_limit_is_oom(self, engine: Engine) -> None:
        evidence = [
            Evidence("status", "ecs", "container app stopped", attributes={"exit_code": 137}),
            Evidence(
                "metric", "cloudwatch", "memory 98% of limit", attributes={"memory_pct": 98.0}
            ),
        ]
        assert engine.analyze(evidence, platform="ecs").findings[0].category == "oom_killed"

    def test_exit_137_alone_is_not_confident(self, engine: Engine) -> None:
        evidence = [Evidence("status", "ecs", "stopped", attributes={"exit_code": 137})]
        findings = engine.analyze(evidence).findings
        assert findings
        assert findings[0].confidence < 0.5

    def test_probe_port_differs_from_listen_port(self, engine: Engine) -> None:
        text = (
            "(service billing-api) (port 3000) is unhealthy in (target-group tg) due to "
            "(reason Health checks failed).\nTomcat started on port 8080 (http)"
        )
        assert top(engine, text, "ecs") == "port_binding"

    def test_same_port_is_not_a_mismatch(self, engine: Engine) -> None:
        text = (
            "(service billing-api) (port 8080) is unhealthy in (target-group tg) due to "
            "(reason Health checks failed).\nTomcat started on port 8080 (http)"
        )
        assert top(engine, text, "ecs") == "health_check_failed"


class TestSlowStartOrWrongPort:
    """Cloud Run words a wrong port and a slow start alike; a listening line on it decides."""

    MESSAGE = (
        "Revision 'api-00002-abc' is not ready and cannot serve traffic. The user-provided "
        "container failed to start and listen on the port defined provided by the PORT=8080 "
        "environment variable within the allocated timeout."
    )

    def ranked(self, engine: Engine, extra: str) -> list[str]:
        found = engine.analyze(evidence_from_text(f"{self.MESSAGE}\n{extra}"), platform="cloudrun")
        return [f.category for f in found.findings]

    def test_listening_on_the_checked_port_rules_the_port_out(self, engine: Engine) -> None:
        line = "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)"
        assert self.ranked(engine, line)[0] == "timeout"

    def test_loopback_on_the_right_port_is_still_a_binding_problem(self, engine: Engine) -> None:
        assert self.ranked(engine, "Server listening on http://127.0.0.1:8080")[0] == "port_binding"

    def test_another_port_is_a_port_problem(self, engine: Engine) -> None:
        assert self.ranked(engine, "Listening on port 3000")[0] == "port_binding"

    def test_a_loopback_admin_port_does_not_hide_a_wrong_public_port(self, engine: Engine) -> None:
        extra = "Admin server listening on 127.0.0.1:9901\nListening on 0.0.0.0:3000"
        assert self.ranked(engine, extra)[0] == "port_binding"

    def test_the_message_alone_stays_ambiguous_below_0_8(self, engine: Engine) -> None:
        found = engine.analyze(evidence_from_text(self.MESSAGE), platform="cloudrun").findings
        assert found[0].category == "port_binding"
        assert found[0].confidence < 0.8

    def test_the_bare_message_also_offers_the_other_documented_causes(self, engine: Engine) -> None:
        text = (
            "Cloud Run error: Container failed to start. Failed to start and then listen on "
            "the port defined by the PORT environment variable."
        )
        found = engine.analyze(evidence_from_text(text), platform="cloudrun").findings
        assert found[0].category == "port_binding"
        alternatives = {f.category: f.confidence for f in found[1:]}
        assert {"exec_error", "timeout"} <= set(alternatives)  # an arm64 image, a slow start
        assert max(alternatives.values()) < found[0].confidence


class TestWhenNothingMatches:
    """No confident finding: the most frequent error templates since the rollout instead."""

    def test_templates_are_reported(self, engine: Engine) -> None:
        lines = [f"ERROR widget {i} rejected by flux capacitor at stage {i % 3}" for i in range(30)]
        lines += ["INFO all good"] * 10
        analysis = engine.analyze(evidence_from_text("\n".join(lines)))
        assert analysis.findings == []
        assert analysis.unmatched_templates
        assert "flux capacitor" in analysis.unmatched_templates[0]
        assert analysis.unmatched_templates[0].startswith("30×")

    def test_templates_skip_lines_before_the_rollout(self) -> None:
        from analysis.templates import unmatched_templates

        old = Evidence("log", "x", "ERROR stale failure 1", T0 - timedelta(hours=1))
        new = Evidence("log", "x", "ERROR fresh failure 2", T0 + timedelta(seconds=5))
        templates = unmatched_templates([old, new], since=T0)
        assert len(templates) == 1
        assert "fresh" in templates[0]

    def test_empty_input(self, engine: Engine) -> None:
        analysis = engine.analyze([])
        assert analysis.findings == []
        assert analysis.unmatched_templates == []
        assert analysis.story is None


class TestVocabularyFallback:
    """A category's general vocabulary is a lead only when no documented message matched."""

    def test_vocabulary_alone_is_a_low_confidence_lead_with_templates(self, engine: Engine) -> None:
        text = "checker: health check for /status failed 3 times in a row\nINFO retrying"
        analysis = engine.analyze(evidence_from_text(text))
        assert [f.pattern for f in analysis.findings] == ["health-check-failed-vocabulary"]
        assert analysis.findings[0].confidence < 0.5
        assert analysis.unmatched_templates  # the user still sees where to look

    def test_a_strong_vocabulary_lead_still_comes_with_templates(self, engine: Engine) -> None:
        text = (
            "checker: health check for /status failed 3 times in a row\n"
            "lb: target is unhealthy\n"
            "kubelet: probe /ready error: 503"
        )
        analysis = engine.analyze(evidence_from_text(text))
        assert analysis.findings[0].pattern == "health-check-failed-vocabulary"
        assert analysis.unmatched_templates

    def test_a_documented_message_silences_every_vocabulary(self, engine: Engine) -> None:
        text = (
            "checker: health check for /status failed 3 times in a row\n"
            "Last State: Terminated\n  Reason: OOMKilled\n  Exit Code: 137"
        )
        findings = engine.analyze(evidence_from_text(text)).findings
        assert findings[0].category == "oom_killed"
        assert all(not f.pattern.endswith("-vocabulary") for f in findings)

    def test_every_category_has_one_fallback_pattern(self, engine: Engine) -> None:
        fallback = [p.category for p in engine.library.patterns if p.fallback]
        assert sorted(fallback) == sorted(CATEGORIES)


class TestTimeline:
    """Rollout, first error, restarts and metric spikes make the one-line story."""

    def test_story_ties_first_error_to_rollout(self, engine: Engine) -> None:
        evidence = [
            Evidence(
                "status",
                "k8s",
                "deployment payments-worker rolled out",
                T0,
                {"rollout_started": T0.isoformat(), "revision": "payments-worker-7f9"},
            ),
            Evidence(
                "status",
                "k8s",
                "Reason: OOMKilled",
                T0 + timedelta(seconds=42),
                {"restart_count": 5, "reason": "OOMKilled"},
            ),
            Evidence("metric", "k8s", "memory 99%", T0 + timedelta(seconds=40), {"memory_pct": 99}),
        ]
        analysis = engine.analyze(evidence, platform="kubernetes")
        assert analysis.story is not None
        assert "payments-worker-7f9" in analysis.story
        assert "40 s after" in analysis.story  # the memory spike is the first sign
        assert "5 restarts" in analysis.story
        assert "memory reached 99%" in analysis.story
        assert [e.at for e in analysis.timeline] == sorted(e.at for e in analysis.timeline)


class TestFallbackBackend:
    """With RE2's Set instead of hyperscan the engine reaches the same conclusions."""

    def test_same_findings_on_every_example(self, engine: Engine) -> None:
        from analysis.matcher import Re2SetMatcher

        fallback = Engine(engine.library, matcher=Re2SetMatcher)
        assert fallback.matcher.backend == "re2"
        for pattern in engine.library.patterns:
            assert pattern.examples is not None or not any(s.regex for s in pattern.signals)
            for example in pattern.examples.match if pattern.examples else ():
                evidence = evidence_from_text(example)
                fast = [
                    (f.category, f.pattern, f.confidence) for f in engine.analyze(evidence).findings
                ]
                slow = [
                    (f.category, f.pattern, f.confidence)
                    for f in fallback.analyze(evidence).findings
                ]
                assert fast == slow, example


class TestCrashBeforeProbes:
    """A probe against a process that crashed fails too: the crash is the cause."""

    CRASH = (
        "Traceback (most recent call last):\n"
        '  File "/app/main.py", line 3, in <module>\n'
        "AttributeError: module 'config' has no attribute 'DEBUG'\n"
        "Container called exit(1).\n"
    )
    PROBE = (
        'Readiness probe failed: Get "http://10.0.0.7:8080/healthz": '
        "dial tcp 10.0.0.7:8080: connect: connection refused"
    )

    def test_probe_after_a_crash_is_explained_by_it(self, engine: Engine) -> None:
        found = engine.analyze(evidence_from_text(self.CRASH + self.PROBE)).findings
        assert found[0].category == "app_crash"
        assert "health_check_failed" in found[0].explanation
        probe = next(f for f in found if f.category == "health_check_failed")
        assert probe.confidence <= 0.8 * found[0].confidence

    def test_probe_alone_stays_a_health_check(self, engine: Engine) -> None:
        assert top(engine, self.PROBE) == "health_check_failed"


class TestNoEndpointsBehindADatabase:
    """A Service with no ready pods: the database is down when the Service is the database's."""

    def test_database_service_without_endpoints_is_db_connection(self, engine: Engine) -> None:
        text = "Error: 'no endpoints available for service \"postgres\"'"
        assert top(engine, text, "kubernetes") == "db_connection"

    def test_other_service_without_endpoints_stays_network(self, engine: Engine) -> None:
        text = "Error: 'no endpoints available for service \"billing-api\"'"
        assert top(engine, text, "kubernetes") == "dns_network"


class TestLoopbackBesideAPublicListener:
    """An admin or metrics port on 127.0.0.1 next to the public 0.0.0.0 listener is normal."""

    def test_alone_a_loopback_listener_is_a_binding_problem(self, engine: Engine) -> None:
        found = engine.analyze(evidence_from_text("Server listening on 127.0.0.1:8080")).findings
        assert found[0].category == "port_binding"
        assert found[0].confidence >= 0.5

    @pytest.mark.parametrize(
        "text",
        [
            "Admin server listening on 127.0.0.1:9901\nServer listening on 0.0.0.0:8080",
            "[info] metrics listening on http://127.0.0.1:9090\n[info] Listening on http://[::]:8080",
        ],
    )
    def test_beside_a_public_listener_it_is_not_reported(self, engine: Engine, text: str) -> None:
        found = engine.analyze(evidence_from_text(text)).findings
        assert all(f.confidence < 0.5 for f in found if f.category == "port_binding")


# Healthy start-up and rollout lines from many runtimes and the three platforms: a tool that
# reports a cause for these would cry wolf on every deploy.
HEALTHY = [
    "2024-05-01T10:00:00Z INFO  Starting server on 0.0.0.0:8080",
    "LOG:  database system is ready to accept connections",
    "selecting default max_connections ... 100",
    "1:M 01 May 2024 10:00:00.000 * Ready to accept connections tcp",
    "o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port(s): 8080 (http)",
    "info: Microsoft.Hosting.Lifetime[14] Now listening on: http://[::]:8080",
    "[2024-05-01 10:00:00 +0000] [1] [INFO] Booting worker with pid: 7",
    "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    "[info] Running MyAppWeb.Endpoint with cowboy 2.10.0 at 0.0.0.0:4000 (http)",
    "NOTICE: ready to handle connections",
    "Normal  Started  kubelet  Started container api",
    'deployment "api" successfully rolled out',
    "service api has reached a steady state.",
    "(service api) has started 1 tasks: (task 0123456789abcdef).",
    "Service [api] revision [api-00003-xyz] has been deployed and is serving 100 percent",
    'Default STARTUP TCP probe succeeded after 1 attempt for container "api" on port 8080.',
    "npm WARN deprecated request@2.88.2: request has been deprecated",
    "warning: the `timeout` setting is deprecated, use `request_timeout` instead",
    "readinessProbe: httpGet path /ready port 8080 initialDelaySeconds 5 timeoutSeconds 1",
    "Connection pool size: 10, timeout: 5000ms",
    "Process exited with code 0",
    "Container app-db-1  Healthy",
    "Timeout set to 30s for upstream api",
    "Tests: 120 passed, 0 failed",
    "Killing container with a grace period of 30s",
    'Successfully pulled image "api:1.2" in 2.1s',
    "Set OOM score adjustment to -999",
    "Could not find optional plugin 'foo'; continuing without it",
]


@pytest.mark.parametrize("platform", ["generic", "kubernetes", "ecs", "cloudrun"])
def test_healthy_logs_give_no_finding(shipped: Engine, platform: str) -> None:
    # The shipped engine, learned lead included: that is what a user's report comes from.
    reported = {
        line: [(f.category, f.confidence) for f in found]
        for line in HEALTHY
        if (found := shipped.analyze(evidence_from_text(line), platform=platform).findings)
        and found[0].confidence >= 0.5
    }
    assert not reported


# Messages as deploy tools, PaaS and common images document them, each with the cause it
# names: the whole engine (causal rules, vocabulary, platform filters) must rank it first.
DOCUMENTED = [
    ("missing_config", 'heroku[router]: at=error code=H14 desc="No web processes running"'),
    ("timeout", 'heroku[router]: at=error code=H20 desc="App boot timeout" method=GET path="/"'),
    ("port_binding", "==> Port scan timeout reached, no open ports detected. Bind your service."),
    ("oom_killed", "Ran out of memory (used over 512MB) while running your code."),
    ("insufficient_resources", "Error: failed to launch VM: insufficient memory available"),
    ("health_check_failed", "Health check on port 8080 has failed. Your app is not responding."),
    ("health_check_failed", "remote:  !     Could not start due to 1 failed checks."),
    ("exec_error", "ERROR: failed to launch: determine start command: when there is no default"),
    ("oom_killed", "required memory 819590K is greater than 512M available for allocation"),
    ("permission_denied", 'FATAL:  data directory "/var/lib/postgresql/data" has wrong ownership'),
    (
        "missing_config",
        'initdb: error: directory "/var/lib/postgresql/data" exists but is not empty',
    ),
    ("insufficient_resources", "max virtual memory areas vm.max_map_count [65530] is too low"),
    ("db_connection", "pq: SSL is not enabled on the server"),
    ("missing_config", "network traefik_proxy declared as external, but could not be found"),
    ("missing_config", "No connection string named 'Default' could be found in the config file."),
    ("app_crash", 'nginx: [emerg] unknown directive "proxy_pas" in /etc/nginx/conf.d/app.conf:7'),
    (
        "tls_certificate",
        'nginx: [emerg] cannot load certificate "/etc/ssl/site.crt": BIO_new_file()',
    ),
    (
        "insufficient_resources",
        "sqlservr: This program requires a machine with at least 2000 megabytes of memory.",
    ),
    (
        "missing_config",
        "Driver org.h2.Driver claims to not accept jdbcUrl, jdbc:postgresql://db/app",
    ),
    ("app_crash", "Error: SQLITE_CORRUPT: database disk image is malformed"),
    ("permission_denied", "FirebaseError: Missing or insufficient permissions."),
    ("dns_network", "[WARN ][o.e.d.z.UnicastZenPing] failed to resolve host [es-discovery]"),
    ("exec_error", "no main manifest attribute, in /app/service.jar"),
    ("db_connection", "<h1>Error establishing a database connection</h1>"),
    ("dependency_missing", "PDOException: could not find driver in /app/vendor/Connection.php:70"),
    (
        "dependency_missing",
        "Process terminated. Couldn't find a valid ICU package installed on the system.",
    ),
    (
        "missing_config",
        '** (ArgumentError) could not fetch environment variable "SECRET_KEY_BASE" because it'
        " is not set",
    ),
    ("permission_denied", "error: You must be logged in to the server (Unauthorized)"),
]


@pytest.mark.parametrize(("expected", "line"), DOCUMENTED)
def test_documented_messages_rank_their_cause_first(
    shipped: Engine, expected: str, line: str
) -> None:
    found = shipped.analyze(evidence_from_text(line), platform="generic").findings
    assert found, line
    assert found[0].category == expected
    assert found[0].pattern != "learned-lead"  # a documented message, not a guess
