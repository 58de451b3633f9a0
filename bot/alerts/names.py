"""Service, environment and revision names as deploy tools spell them, normalised."""

from __future__ import annotations

import re

# Spellings tools use for an environment -> the name catalogs use.
ENVIRONMENTS: dict[str, str] = {
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "live": "prod",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "preprod": "preprod",
    "pre-prod": "preprod",
    "uat": "uat",
    "qa": "qa",
    "test": "test",
    "dev": "dev",
    "development": "dev",
    "sandbox": "sandbox",
}
# Words around a service name in job, pipeline and alarm names that are not part of it.
_NOISE = {"deploy", "deployment", "deploys", "release", "rollout", "pipeline", "build", "ci", "cd"}
# Suffix words too common in service names to split off ("load-test", "go-live").
_NOT_SUFFIX = {"test", "live"}
_SHA = re.compile(r"\b[0-9a-f]{7,40}\b")
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")


def env_of(word: str) -> str | None:
    """The normalised environment for one word ("Production" -> "prod"), else None."""
    return ENVIRONMENTS.get(word.strip().lower())


def env_in(text: str) -> str | None:
    """The first environment word in free text ("Deploy to Production", "prod-eu-west-1")."""
    for word in re.findall(r"[A-Za-z]+", text):
        found = env_of(word)
        if found:
            return found
    return None


def split_env(name: str) -> tuple[str, str | None]:
    """`checkout-api-prod` -> (`checkout-api`, `prod`); also prefixes (`prod-checkout-api`)."""
    parts = re.split(r"([-_.])", name.strip())
    words = parts[::2]
    if len(words) > 1 and env_of(words[-1]) and words[-1].lower() not in _NOT_SUFFIX:
        return "".join(parts[:-2]), env_of(words[-1])
    if len(words) > 1 and env_of(words[0]) and words[0].lower() not in _NOT_SUFFIX:
        return "".join(parts[2:]), env_of(words[0])
    return name.strip(), None


def strip_noise(name: str) -> str:
    """Drop deploy-ish words at either end: `checkout-api-deploy` -> `checkout-api`."""
    parts = re.split(r"([-_.])", name)
    while len(parts) > 2 and parts[-1].lower() in _NOISE:
        parts = parts[:-2]
    while len(parts) > 2 and parts[0].lower() in _NOISE:
        parts = parts[2:]
    return "".join(parts)


def service_and_env(name: str) -> tuple[str | None, str | None]:
    """A job/app/alarm name -> (service, env), removing env and deploy words at either end."""
    name = name.strip().strip("`'\"").strip()
    if not name:
        return None, None
    service, env = split_env(strip_noise(name))
    service = strip_noise(service)
    if env is None:
        service, env = split_env(service)
        service = strip_noise(service)
    return (service if valid_name(service) else None), env


def valid_name(name: str | None) -> bool:
    """A plausible service name (not a sentence, not a URL)."""
    return bool(name) and bool(_NAME_OK.match(name or ""))


def sha_in(text: str) -> str | None:
    """The first git SHA-looking token (7-40 hex chars, with at least one digit and letter)."""
    for m in _SHA.finditer(text):
        token = m.group(0)
        if re.search(r"\d", token) and re.search(r"[a-f]", token):
            return token
    return None


def repo_name(url_or_slug: str) -> str | None:
    """`https://github.com/acme/checkout-api/...` or `acme/checkout-api` -> `checkout-api`."""
    m = re.search(r"(?:github\.com|gitlab\.[\w.]+|bitbucket\.org)/[\w.-]+/([\w.-]+)", url_or_slug)
    if m:
        return m.group(1).removesuffix(".git")
    m = re.fullmatch(r"\s*[\w.-]+/([\w.-]+)\s*", url_or_slug)
    return m.group(1) if m else None
