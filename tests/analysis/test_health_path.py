"""derived.health_path_error: a health path requested by hand and answered with an error."""

from __future__ import annotations

from analysis.engine import Engine
from analysis.evidence_text import evidence_from_text


def top(engine: Engine, text: str) -> tuple[str, str]:
    found = engine.analyze(evidence_from_text(text)).findings
    return (found[0].category, found[0].pattern) if found else ("none", "")


class TestHealthPathError:
    def test_a_404_on_the_health_path_is_a_health_check_problem(self, engine: Engine) -> None:
        text = "$ curl http://10.0.0.7:9255/health\n404 page not found"
        assert top(engine, text)[0] == "health_check_failed"

    def test_a_redirect_on_the_probe_path(self, engine: Engine) -> None:
        text = (
            "$ curl -sv http://localhost:8080/\n"
            "$ curl -sv http://localhost:8080/healthz\n"
            "< HTTP/1.1 301 Moved Permanently\n"
            "< Location: /web/healthz"
        )
        assert top(engine, text)[0] == "health_check_failed"

    def test_curl_write_out_codes(self, engine: Engine) -> None:
        text = "$ curl -so /dev/null -w '%{http_code}' http://exporter:9102/health   # 404"
        assert top(engine, text)[0] == "health_check_failed"

    def test_an_access_log_line_for_rails_up_path(self, engine: Engine) -> None:
        # Rails 7.1's health endpoint is /up (kamal-proxy checks it); combined log format.
        text = '172.18.0.3 - - [09/Oct/2024:06:03:04 +0000] "GET /up HTTP/1.1" 404 3586 "-" "Go"'
        assert top(engine, text)[0] == "health_check_failed"

    def test_an_upload_path_is_not_the_up_path(self, engine: Engine) -> None:
        text = '172.18.0.3 - - [09/Oct/2024:06:03:04 +0000] "GET /upload HTTP/1.1" 404 35 "-" "Go"'
        assert top(engine, text)[0] != "health_check_failed"

    def test_a_healthy_answer_is_not_evidence(self, engine: Engine) -> None:
        text = '$ curl http://10.0.0.7:9255/health\nHTTP/1.1 200 OK\n{"status":"ok"}'
        assert top(engine, text)[0] != "health_check_failed"

    def test_an_error_on_another_path_is_not_a_health_check(self, engine: Engine) -> None:
        text = "$ curl http://10.0.0.7:8080/api/orders/17\nHTTP/1.1 404 Not Found"
        assert top(engine, text)[0] != "health_check_failed"

    def test_an_answer_far_below_the_request_does_not_count(self, engine: Engine) -> None:
        filler = "\n".join(f"INFO tick {i}" for i in range(30))
        text = f"$ curl http://10.0.0.7:9255/health\n{filler}\nHTTP/1.1 404 Not Found"
        assert top(engine, text)[0] != "health_check_failed"
