"""Django admin (every model registered; certificates and the change log read-only) and the
user's API-token page (the raw token is shown once; only its SHA-256 is kept)."""

from __future__ import annotations

import re

from django.contrib import admin
from django.urls import reverse

from jiliang.accounts.models import ApiToken, ChangeRecord
from jiliang.registry.models import Certificate


def test_every_model_of_accounts_and_registry_is_in_the_admin(world, client_as) -> None:
    from django.apps import apps

    client = client_as("admin")
    for label in ("accounts", "registry"):
        for model in apps.get_app_config(label).get_models():
            assert model in admin.site._registry, model
            url = reverse(f"admin:{label}_{model._meta.model_name}_changelist")
            assert client.get(url).status_code == 200, url


def test_certificates_and_change_records_are_read_only_in_the_admin(world, client_as) -> None:
    client = client_as("admin")
    cert_url = reverse("admin:registry_certificate_change", args=[world.cert_scale.pk])
    page = client.get(cert_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(cert_url, {"number": "CHANGED"}).status_code == 403
    assert Certificate.objects.get(pk=world.cert_scale.pk).number == "ZB-2025-0001"
    assert client.get(reverse("admin:registry_certificate_add")).status_code == 403
    delete = reverse("admin:registry_certificate_delete", args=[world.cert_scale.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    record = ChangeRecord.objects.first()
    record_url = reverse("admin:accounts_changerecord_change", args=[record.pk])
    assert client.post(record_url, {"model": "x"}).status_code == 403
    assert client.get(reverse("admin:accounts_changerecord_add")).status_code == 403


def test_non_staff_users_cannot_open_the_admin(world, client_as) -> None:
    response = client_as("market").get("/admin/registry/instrument/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_token_is_shown_once_and_only_its_digest_is_stored(world, client_as) -> None:
    client = client_as("market")
    created = client.post("/account/tokens/", {"name": "ERP connector"})
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    raw = re.search(r"jl_[A-Za-z0-9_-]{40,}", created.content.decode()).group(0)
    token = ApiToken.objects.get(user=world.users["market"])
    assert token.digest == ApiToken.hash(raw) and token.name == "ERP connector"
    listing = client.get("/account/tokens/").content.decode()
    assert raw not in listing and token.prefix in listing
    # the token works for the API and sees what the user sees
    api = client_as(None).get("/api/instruments", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200


def test_tokens_are_private_and_revocable(world, client_as) -> None:
    mine, _ = ApiToken.issue(world.users["market"], "mine")
    theirs, _ = ApiToken.issue(world.users["taxi"], "theirs")
    client = client_as("market")
    listing = client.get("/account/tokens/").content.decode()
    assert "mine" in listing and "theirs" not in listing
    assert client.post("/account/tokens/", {"revoke": str(theirs.pk)}).status_code == 404
    assert client.post("/account/tokens/", {"revoke": "x"}).status_code == 400
    assert client.post("/account/tokens/", {"revoke": str(mine.pk)}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked and not theirs.revoked


def test_bad_token_name_is_rejected_and_nothing_is_created(world, client_as) -> None:
    client = client_as("market")
    for name in ("", "<script>", "x" * 101):
        response = client.post("/account/tokens/", {"name": name})
        assert response.status_code == 400, name
        assert "<code>name</code>" in response.content.decode()
    assert not ApiToken.objects.exists()
