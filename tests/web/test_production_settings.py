"""Production mode (JILIANG_PRODUCTION=1): Django's deployment checklist passes, and the
responses carry HSTS, secure cookies and the HTTPS redirect behind nginx's X-Forwarded-Proto.

Settings are read once per process, so each case runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION = {
    "JILIANG_PRODUCTION": "1",
    "JILIANG_ALLOWED_HOSTS": "jiliang.example.cn",
    "JILIANG_SECRET_KEY": "k" * 10 + "-Zq8v3Rr0bX1mW2nT5yU7iO9pL4aS6dF8gH0jK2lZ4xC6vB8nM",
}


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("JILIANG_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"  # tests set it
    }
    base |= {"JILIANG_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "jiliang.settings"}
    return subprocess.run(
        [sys.executable, *args], env=base | env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path: Path) -> None:
    done = _run(
        tmp_path, PRODUCTION, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


def test_check_deploy_warns_in_demo_mode(tmp_path: Path) -> None:
    """The demo serves plain http://127.0.0.1: the same check names what production adds."""
    done = _run(tmp_path, {}, "-m", "django", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr + done.stdout


def test_production_needs_the_host_names(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "JILIANG_ALLOWED_HOSTS"}
    done = _run(tmp_path, env, "-m", "django", "check")
    assert done.returncode != 0
    assert "JILIANG_ALLOWED_HOSTS" in done.stderr
    assert done.stderr.count("Traceback") <= 1


PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
c = Client()
plain = c.get("/accounts/login/", HTTP_HOST="jiliang.example.cn")
tls = c.get("/accounts/login/", HTTP_HOST="jiliang.example.cn", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "status": tls.status_code,
    "hsts": tls.get("Strict-Transport-Security", ""),
    "csp": tls.get("Content-Security-Policy", ""),
    "csrf_cookie": str(tls.cookies.get("csrftoken", "")),
    "debug": settings.DEBUG,
}))
"""


def test_production_responses_are_secure(tmp_path: Path) -> None:
    done = _run(tmp_path, PRODUCTION | {"JILIANG_DEBUG": "1"}, "-c", PROBE)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False  # JILIANG_DEBUG cannot turn debugging on in production
    assert seen["plain_status"] == 301
    assert seen["plain_location"] == "https://jiliang.example.cn/accounts/login/"
    assert seen["status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in seen["csp"]
    assert "secure" in seen["csrf_cookie"].lower()


@pytest.mark.parametrize("variable", [{"JILIANG_ENV": "production"}, {"JILIANG_PRODUCTION": "1"}])
def test_either_switch_selects_production(tmp_path: Path, variable: dict[str, str]) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "JILIANG_PRODUCTION"} | variable
    code = "import django; django.setup(); from django.conf import settings; print(settings.PRODUCTION, settings.SESSION_COOKIE_SECURE)"
    done = _run(tmp_path, env, "-c", code)
    assert done.stdout.split() == ["True", "True"], done.stderr
