"""The CLI end to end against the sandbox: DESIGN.md's JSON contracts and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands import available_platforms
from providers.sandbox.expected import EXPECTED_ROOT_CAUSE

FINDING_KEYS = {"category", "pattern", "title", "confidence", "evidence", "fixes"}
CATALOG = Path("providers/sandbox/services.yml")


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def sandbox_services() -> list[str]:
    from bot.catalog import Catalog

    catalog = Catalog.load(CATALOG)
    live = set(available_platforms())
    return [name for name in catalog.names() if catalog.entry(name).platform in live]


class TestDiagnose:
    """`diagnose --sandbox --format json` finds each scenario's contracted root cause."""

    @pytest.mark.parametrize("service", sandbox_services())
    def test_top_finding_is_the_contracted_root_cause(
        self, service: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["diagnose", service, "--sandbox", "--format", "json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 0
        assert report["findings"][0]["category"] == EXPECTED_ROOT_CAUSE[service]
        assert set(report["findings"][0]) >= FINDING_KEYS
        confidences = [f["confidence"] for f in report["findings"]]
        assert confidences == sorted(confidences, reverse=True)
        assert {c["name"] for c in report["components"]}
        assert {"collect_ms", "analyze_ms", "total_ms"} <= set(report["timings"])

    def test_unknown_service_is_a_usage_error_with_suggestions(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["diagnose", "payments-wroker", "--sandbox"])
        assert code == 2
        assert "payments-worker" in capsys.readouterr().err

    def test_missing_catalog_is_a_configuration_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["diagnose", "x", "--catalog", str(tmp_path / "services.yml")])
        assert code == 2
        assert "catalog file not found" in capsys.readouterr().err

    def test_unreachable_api_server_gives_a_partial_report_not_a_hang(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
            "clusters: [{name: dead, cluster: {server: 'http://127.0.0.1:9'}}]\n"
            "contexts: [{name: dead, context: {cluster: dead, user: u}}]\n"
            "users: [{name: u, user: {token: t}}]\n"
        )
        catalog = tmp_path / "services.yml"
        catalog.write_text(
            "services:\n  api:\n    platform: kubernetes\n    namespace: x\n    deployment: api\n"
        )
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        monkeypatch.setenv("DEPLOY_FEEDBACK_BASIC_BUDGET_S", "5")
        code = main(["diagnose", "api", "--catalog", str(catalog), "--format", "json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 1
        assert report["findings"] == []
        assert all(c["status"] in ("error", "timeout") for c in report["components"])
        assert any(c["message"] for c in report["components"])


class TestAnalyze:
    """`analyze` keeps DESIGN.md's JSON contract for any input."""

    def test_contract_shape_for_real_evidence(self) -> None:
        text = (
            "Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n"
            "Warning  BackOff  kubelet  Back-off restarting failed container\n"
        )
        result = run_cli("analyze", "-", "--platform", "kubernetes", stdin=text)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert set(report) == {"findings", "unmatched_templates", "elapsed_ms"}
        assert report["findings"][0]["category"] == "oom_killed"
        assert set(report["findings"][0]) >= FINDING_KEYS

    def test_nothing_conclusive_exits_1_with_empty_findings(self, tmp_path: Path) -> None:
        path = tmp_path / "quiet.log"
        path.write_text("INFO request served in 12 ms\n" * 50)
        result = run_cli("analyze", str(path))
        assert result.returncode == 1
        assert json.loads(result.stdout)["findings"] == []

    def test_binary_junk_and_empty_input_do_not_crash(self, tmp_path: Path) -> None:
        junk = tmp_path / "junk.bin"
        junk.write_bytes(bytes(range(256)) * 40 + b"\xff\xfe\x00" * 100)
        for path in (str(junk), "-"):
            result = run_cli("analyze", path, stdin="" if path == "-" else None)
            assert result.returncode in (0, 1), result.stderr
            assert "findings" in json.loads(result.stdout)

    def test_unreadable_path_is_a_usage_error(self, tmp_path: Path) -> None:
        result = run_cli("analyze", str(tmp_path / "missing.log"))
        assert result.returncode == 2
        assert "cannot read" in result.stderr


class TestDemo:
    """`demo` diagnoses every sandbox scenario and says whether each is as contracted."""

    def test_demo_json_lists_every_scenario_correctly_diagnosed(self) -> None:
        result = run_cli("demo", "--format", "json")
        assert result.returncode == 0, result.stderr[-2000:]
        reports = json.loads(result.stdout)
        assert {r["service"] for r in reports} == set(sandbox_services())
        for report in reports:
            assert report["findings"][0]["category"] == report["expected"], report["service"]

    def test_demo_text_prints_verdicts_and_a_summary(self) -> None:
        result = run_cli("demo")
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Sandbox scenarios" in result.stdout
        assert "→" in result.stdout  # every verdict carries a fix
