"""schemathesis `--checks all` on the staff and owner-portal endpoints, as a manager and as an
owner: no 5xx, every answer as declared, schema-invalid input rejected, and the manager's
rules (own institution, no admin, the last manager) hold whatever the fuzzer sends."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jiliang.accounts.models import ApiToken, User
from tests.web.test_openapi_schemathesis import schemathesis


@pytest.mark.django_db(transaction=True)
def test_staff_and_portal_endpoints_under_fuzzing(live_server: Any, world: Any) -> None:
    manager = world.users["zibo_lab"]
    manager.staff_roles = ["manager", "approver"]
    manager.save(update_fields=["staff_roles"])
    others = {
        u.pk: (u.is_active, list(u.staff_roles))
        for u in User.objects.exclude(institution=world.city)
    }
    for user in (manager, world.users["market"]):
        _, raw = ApiToken.issue(user, "schemathesis")
        run = schemathesis(
            live_server.url,
            "--header",
            f"Authorization: Bearer {raw}",
            "--include-path-regex",
            "^/api/(staff|my)/",
            "--max-examples",
            "25",
        )
        assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
        assert re.search(r"Operations:\s+4 selected", run.stdout), run.stdout[:2000]
    after = {
        u.pk: (u.is_active, list(u.staff_roles))
        for u in User.objects.exclude(institution=world.city)
    }
    assert after == others  # nothing outside the manager's institution changed
    managers = [
        u
        for u in User.objects.filter(institution=world.city, is_active=True)
        if "manager" in u.staff_roles
    ]
    assert managers  # the city never lost its last manager
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
