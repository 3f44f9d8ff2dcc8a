"""Accounts under attack: tokens expire and are revocable everywhere, logins are throttled,
passwords pass Django's four validators, every page carries a CSP without 'unsafe-inline'."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from jiliang.accounts.models import ApiToken
from jiliang.cli.main import app

runner = CliRunner()
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "jiliang" / "templates"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def status_with(raw: str) -> int:
    return Client().get("/api/account/tokens", **bearer(raw)).status_code


# --- tokens -------------------------------------------------------------------------------


def test_token_lives_the_default_90_days_or_the_days_given(world: Any) -> None:
    token, raw = ApiToken.issue(world.users["market"], "erp")
    assert token.expires - token.created == dt.timedelta(days=90)
    assert status_with(raw) == 200
    short, _ = ApiToken.issue(world.users["market"], "short", days=7)
    assert short.expires - short.created == dt.timedelta(days=7)
    for days in (0, -1, 3651):
        with pytest.raises(ValueError, match="days"):
            ApiToken.issue(world.users["market"], "bad", days=days)


def test_expired_token_gives_401(world: Any) -> None:
    token, raw = ApiToken.issue(world.users["market"], "erp", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert status_with(raw) == 401
    assert Client().get("/api/institutions", **bearer(raw)).status_code == 401
    # one second before its expiry it still worked
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() + dt.timedelta(seconds=60))
    assert status_with(raw) == 200


def test_user_revokes_a_token_through_the_api(world: Any) -> None:
    keep, keep_raw = ApiToken.issue(world.users["market"], "keep")
    drop, drop_raw = ApiToken.issue(world.users["market"], "drop")
    listed = Client().get("/api/account/tokens", **bearer(keep_raw)).json()
    assert {t["prefix"] for t in listed} == {keep.prefix, drop.prefix}
    assert all("digest" not in t and "jl_" + "x" not in str(t) for t in listed)
    response = Client().delete(f"/api/account/tokens/{drop.pk}", **bearer(keep_raw))
    assert response.status_code == 204
    assert status_with(drop_raw) == 401 and status_with(keep_raw) == 200
    drop.refresh_from_db()
    assert drop.revoked and drop.revoked_at is not None and drop.state == "revoked"
    # a token can revoke itself; afterwards it is refused
    assert Client().delete(f"/api/account/tokens/{keep.pk}", **bearer(keep_raw)).status_code == 204
    assert status_with(keep_raw) == 401


def test_nobody_revokes_or_lists_someone_elses_token_through_the_api(world: Any) -> None:
    theirs, theirs_raw = ApiToken.issue(world.users["zibo_lab"], "theirs")
    _, mine_raw = ApiToken.issue(world.users["market"], "mine")
    response = Client().delete(f"/api/account/tokens/{theirs.pk}", **bearer(mine_raw))
    assert response.status_code == 404
    assert "detail" in response.json()
    assert status_with(theirs_raw) == 200
    listed = Client().get("/api/account/tokens", **bearer(mine_raw)).json()
    assert theirs.prefix not in {t["prefix"] for t in listed}
    anonymous = Client()
    assert anonymous.get("/api/account/tokens").status_code == 401
    assert anonymous.delete(f"/api/account/tokens/{theirs.pk}").status_code == 401
    assert Client().delete("/api/account/tokens/abc", **bearer(mine_raw)).status_code == 422
    assert Client().delete(f"/api/account/tokens/{2**63}", **bearer(mine_raw)).status_code == 422


def test_user_revokes_a_token_on_the_page(world: Any, client_as: Any) -> None:
    token, raw = ApiToken.issue(world.users["market"], "erp")
    assert (
        client_as("market").post("/account/tokens/", {"revoke": str(token.pk)}).status_code == 302
    )
    assert status_with(raw) == 401
    page = client_as("market").get("/account/tokens/").content.decode()
    assert "已吊销" in page


def test_token_page_issues_with_a_chosen_lifetime_and_refuses_a_bad_one(
    world: Any, client_as: Any
) -> None:
    client = client_as("market")
    created = client.post("/account/tokens/", {"name": "nightly", "days": "30"})
    assert created.status_code == 201
    token = ApiToken.objects.get(user=world.users["market"], name="nightly")
    assert token.expires - token.created == dt.timedelta(days=30)
    assert timezone.localtime(token.expires).strftime("%Y-%m-%d %H:%M") in created.content.decode()
    for days in ("0", "3651", "x"):
        refused = client.post("/account/tokens/", {"name": "bad", "days": days})
        assert refused.status_code == 400
    assert not ApiToken.objects.filter(name="bad").exists()


def test_admin_revokes_any_token(world: Any, client_as: Any) -> None:
    token, raw = ApiToken.issue(world.users["market"], "erp")
    response = client_as("admin").post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    assert status_with(raw) == 401


def test_cli_issues_lists_and_revokes(world: Any) -> None:
    issued = runner.invoke(app, ["token", "market", "--name", "ci", "--days", "2"])
    assert issued.exit_code == 0, issued.output
    raw = issued.stdout.strip().splitlines()[-1]
    assert raw.startswith("jl_") and status_with(raw) == 200
    token = ApiToken.objects.get(digest=ApiToken.hash(raw))
    assert token.expires - token.created == dt.timedelta(days=2)
    listed = runner.invoke(app, ["tokens", "market"])
    assert listed.exit_code == 0 and token.prefix in listed.stdout
    revoked = runner.invoke(app, ["revoke-token", "market", token.prefix])
    assert revoked.exit_code == 0, revoked.output
    assert status_with(raw) == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "market", "--days", "0"], "days"),
        (["token", "nobody"], "no user"),
        (["revoke-token", "market", "jl_nope"], "is no token"),
        (["revoke-token", "market", "99999999999999999999999"], "is no token"),
    ],
)
def test_cli_refuses_bad_token_requests_without_a_traceback(
    world: Any, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


# --- login throttling -------------------------------------------------------------------


def _login(client: Client, path: str, password: str, address: str) -> Any:
    return client.post(path, {"username": "market", "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_login_is_locked_after_5_failures_for_that_user_and_address(world: Any, path: str) -> None:
    client = Client()
    for _ in range(4):
        assert _login(client, path, "wrong-guess", "203.0.113.7").status_code == 200
    assert _login(client, path, "wrong-guess", "203.0.113.7").status_code == 429
    # the right password from the same address is refused during the cool-off
    locked = _login(client, path, "pw-test-123", "203.0.113.7")
    assert locked.status_code == 429
    assert "次登录失败" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # another address is not locked out for that user
    other = Client()
    assert _login(other, "/accounts/login/", "pw-test-123", "198.51.100.9").status_code == 302


def test_lockout_ends_after_the_cool_off(world: Any) -> None:
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(5):
        _login(client, "/accounts/login/", "wrong-guess", "203.0.113.8")
    assert _login(client, "/accounts/login/", "pw-test-123", "203.0.113.8").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert _login(client, "/accounts/login/", "pw-test-123", "203.0.113.8").status_code == 302


def test_successful_login_resets_the_count(world: Any) -> None:
    client = Client()
    for _ in range(4):
        _login(client, "/accounts/login/", "wrong-guess", "203.0.113.9")
    assert _login(client, "/accounts/login/", "pw-test-123", "203.0.113.9").status_code == 302
    for _ in range(4):
        assert _login(Client(), "/accounts/login/", "wrong", "203.0.113.9").status_code == 200


# --- passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "validator"),
    [
        ("short1!", "password_too_short"),  # MinimumLengthValidator (8)
        ("password123", "password_too_common"),  # CommonPasswordValidator
        ("8736491025", "password_entirely_numeric"),  # NumericPasswordValidator
        ("market2026", "password_too_similar"),  # UserAttributeSimilarityValidator
    ],
)
def test_the_four_standard_password_validators_refuse(
    world: Any, password: str, validator: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password(password, world.users["market"])
    assert validator in {e.code for e in caught.value.error_list}


def test_a_strong_password_passes(world: Any) -> None:
    validate_password("Kilogram-Mass-2019-redefined", world.users["market"])


# --- Content-Security-Policy --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs", "/institutions/"])
def test_every_page_has_a_csp_without_unsafe_inline(world: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_served_templates_have_no_inline_script_or_style() -> None:
    """The CSP forbids them; the two PDF templates are rendered on the server, never served."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|<style|\sstyle=|\son\w+=")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not path.name.endswith("_pdf.html") and inline.search(path.read_text())
    ]
    assert offenders == []


def test_api_docs_load_swagger_from_our_own_static_files(world: Any) -> None:
    page = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page
