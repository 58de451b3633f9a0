"""Redaction: planted secrets never survive into findings, templates or the story."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.engine import Engine
from analysis.evidence_text import evidence_from_text
from analysis.model import CATEGORIES, Analysis
from analysis.redact import redact

UPPER_DIGITS = string.ascii_uppercase + string.digits
B64URL = string.ascii_letters + string.digits + "_-"
# Values are delimited the way logs delimit them (no spaces, quotes, commas, ;, &, }, ]).
VALUE = string.ascii_letters + string.digits + "!$%*+-_.~^()"


def _secret(prefix: str, alphabet: str, size: int) -> st.SearchStrategy[tuple[str, str]]:
    return st.text(alphabet, min_size=size, max_size=size + 24).map(lambda s: (prefix + s, s))


# (text to plant, the part that must never be seen again)
SECRETS = st.one_of(
    st.text(UPPER_DIGITS, min_size=16, max_size=16).map(lambda s: ("AKIA" + s, "AKIA" + s)),
    st.tuples(*[st.text(B64URL, min_size=10, max_size=40)] * 3).map(
        lambda p: ("eyJ" + ".".join(p), ".".join(p))
    ),
    _secret("Authorization: Bearer ", string.ascii_letters + string.digits + "._~+/-", 16),
    st.tuples(
        st.sampled_from(["postgres", "mysql", "mongodb+srv", "redis", "amqp", "https"]),
        st.text(VALUE.replace(".", ""), min_size=12, max_size=30),
    ).map(lambda p: (f"{p[0]}://app:{p[1]}@db.internal:5432/app", p[1])),
    st.tuples(
        st.sampled_from(
            [
                "password",
                "DB_PASSWORD",
                "secret",
                "client_secret",
                "token",
                "api_key",
                "X-Api-Key",
                "aws_secret_access_key",
                "passwd",
                "pwd",
            ]
        ),
        st.sampled_from(["=", ": ", '="', '": "', "='"]),
        st.text(VALUE, min_size=12, max_size=40),
    ).map(lambda p: (f"{p[0]}{p[1]}{p[2]}", p[2])),
    st.text(string.ascii_letters + string.digits + "+/", min_size=64, max_size=64).map(
        lambda body: (
            f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n{body[::-1]}\n-----END RSA PRIVATE KEY-----",
            body,
        )
    ),
)
NOISE = st.text(string.ascii_letters + string.digits + " :/.-_[]()", max_size=60)
# Lines that reach each output: a pattern match (findings), an unknown error (templates).
CARRIERS = [
    "Error: getaddrinfo ENOTFOUND api.internal {s} while connecting",
    "psycopg2.OperationalError: could not connect to server {s}",
    "ERROR frobnicator rejected request {s} at stage 3",
    "{s}",
]


VOCABULARY = "\n".join(CATEGORIES).lower()


def every_output(analysis: Analysis) -> str:
    parts = [*analysis.unmatched_templates, analysis.story or ""]
    for finding in analysis.findings:
        parts += [*finding.evidence, finding.explanation, *finding.fixes, finding.title]
    parts += [entry.what for entry in analysis.timeline]
    return "\n".join(parts)


class TestRedactFunction:
    """Each kind of secret is replaced by a labelled mask."""

    def test_examples(self) -> None:
        cases = {
            "key AKIAIOSFODNN7EXAMPLE used": "[REDACTED:aws_key]",
            "postgres://app:hunter2@db:5432/x": "[REDACTED:credentials]",
            "Authorization: Bearer abc.def-ghi_jkl": "[REDACTED:token]",
            "password=s3cr3t&user=x": "[REDACTED:secret]",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----": (
                "[REDACTED:private_key]"
            ),
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.SflKxwRJSMeKKF2QT4fwpM": "[REDACTED:jwt]",
        }
        for text, mask in cases.items():
            assert mask in redact(text), text

    def test_a_key_value_after_the_word_basic_is_masked_whole(self) -> None:
        # Found by the fuzz test below: the Basic-token rule took "password=" as a token
        # and left the value behind.
        for text, secret in (
            ("BASIC password=000000000000", "000000000000"),
            ("basic token=*9f8e7d6c5b4a", "9f8e7d6c5b4a"),
            ("BASIC password: *00000000000", "00000000000"),
            ("Bearer abc12345==def", "def"),
            ("X-Auth-Token: Bearer abcdefgh12345", "abcdefgh12345"),
        ):
            masked = redact(text)
            assert secret not in masked, masked
        assert redact("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.SflKxwRJSMeKKF2QT4fwpM") == (
            "token=[REDACTED:jwt]"
        )
        assert redact("Authorization: Basic dXNlcjpwYXNzd29yZA==") == (
            "Authorization: Basic [REDACTED:token]"
        )
        # Padding followed by any delimiter still ends a token (escaped JSON, markdown, a
        # query string, a sentence).
        for text in (
            '{\\"Authorization\\":\\"Basic dXNlcjpwYXNzd29yZA==\\"}',
            "`Bearer abcdefgh12345678==`",
            "Bearer abcdefgh1234567=&x=1",
            "Basic dXNlcjpwYXNzd29yZA==.",
        ):
            assert "[REDACTED:token]" in redact(text), text

    def test_ordinary_text_is_untouched(self) -> None:
        text = 'FATAL:  password authentication failed for user "app"'
        assert redact(text) == text

    def test_resource_names_and_paths_survive(self) -> None:
        # Near misses: these NAME a secret (or are prose around one); none holds a value.
        names = [
            "spec.template.spec.containers[0].env[2].value_from.secret_key_ref.name: "
            "Permission denied on secret: projects/acme/secrets/db-password/versions/latest "
            "for Revision service account x@y.iam.gserviceaccount.com",
            'Error: secret "ledger-db" not found',
            "valueFrom: secretKeyRef: name: db-creds key: password",
            "secretName: ledger-db",
            "is not authorized to perform: secretsmanager:GetSecretValue on resource: "
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-password-AbCdEf",
            "unable to retrieve secret from asm: arn:aws:secretsmanager:eu-west-1:1:secret:x",
            "password_file: /run/secrets/db_password",
            "token_url: https://oauth2.googleapis.com/token",
            "couldn't find key password in Secret default/db-creds",
            "DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>  Optional: false",
            "Access denied for user 'paws'@'172.17.0.2' (using password: NO)",
            "Access denied for user 'root'@'localhost' (using password: YES)",
            "failed to fetch anonymous token: unexpected status: 403 Forbidden",
        ]
        for text in names:
            assert redact(text) == text, text

    def test_values_next_to_names_are_still_masked(self) -> None:
        text = "secretName: ledger-db password=hunter2xyz secret: s3cr3t-value"
        out = redact(text)
        assert "ledger-db" in out
        assert "hunter2xyz" not in out
        assert "s3cr3t-value" not in out
        # An ARN-looking word before a key does not shield its value.
        assert "abc123secret" not in redact("arn:aws:iam::1:user/x,password=abc123secret")
        # A message word is kept only when it is the whole value.
        assert "YESandmore" not in redact("password: YESandmore")

    @settings(max_examples=400, deadline=None)
    @given(NOISE, SECRETS, NOISE)
    def test_planted_secret_never_survives(
        self, before: str, secret: tuple[str, str], after: str
    ) -> None:
        planted, core = secret
        assume(core not in before + after)  # the noise itself may spell the secret by chance
        assert core not in redact(f"{before} {planted} {after}")


class TestThroughTheEngine:
    """Whatever output a line reaches, the secret in it is masked."""

    @settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.sampled_from(CARRIERS), SECRETS, NOISE)
    def test_no_output_contains_the_secret(
        self, engine: Engine, carrier: str, secret: tuple[str, str], noise: str
    ) -> None:
        planted, core = secret
        assume(core not in noise + carrier)
        text = "\n".join([noise, carrier.format(s=planted), carrier.format(s=planted)])
        baseline = engine.analyze(
            evidence_from_text(text.replace(planted, "PLANTED")), platform="ecs"
        )
        # A "secret" that spells product vocabulary (e.g. a token "permission_denied") is
        # in the output for other reasons; only text that came from the secret counts.
        assume(core not in every_output(baseline))
        # ...and a token spelling a category ("PERMISSION_DENIED") is itself evidence of one:
        # the category's name then appears in the story for that reason, not as the token.
        assume(core.lower() not in VOCABULARY)
        analysis = engine.analyze(evidence_from_text(text), platform="ecs")
        assert core not in every_output(analysis)
