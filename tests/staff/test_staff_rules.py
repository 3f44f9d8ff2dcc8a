"""Issue 13 §2: managers run their own institution's staff, pages and API alike.

Every refusal is checked twice: the answer (403/404/400 with a reason) and that nothing
changed in the database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from jiliang.accounts import staff
from jiliang.accounts.models import ApiToken, ChangeRecord, User
from jiliang.registry.models import Person

pytestmark = pytest.mark.django_db


def _state(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    person = Person.objects.filter(user=user).first()
    return (user.is_active, list(user.staff_roles), user.role, user.is_superuser, person)


def test_manager_creates_a_checker_linked_to_its_metrologist(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    person = staffed.people["city"]
    response = client_as("zibo_lab").post(
        "/staff/",
        {
            "username": "zibo_new",
            "display_name": "新核验员",
            "roles": ["checker"],
            "person": str(person.pk),
        },
    )
    assert response.status_code == 201
    created = User.objects.get(username="zibo_new")
    assert created.institution_id == staffed.city.pk
    assert created.role == "lab"
    assert created.staff_roles == ["checker"]
    assert not created.has_usable_password()
    person.refresh_from_db()
    assert person.user_id == created.pk
    assert "/staff/invitation/" in response.content.decode()
    record = ChangeRecord.objects.get(model="accounts.user", object_id=str(created.pk))
    assert record.action == "create" and record.user == staffed.users["zibo_lab"]
    assert record.after["staff_roles"] == ["checker"]
    assert record.after["person"] == person.registration_number


def test_the_person_select_offers_only_the_managers_institution(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    page = client_as("zibo_lab").get("/staff/").content.decode()
    assert staffed.people["city"].name in page
    assert staffed.people["province"].name not in page
    response = client_as("zibo_lab").post(
        "/staff/",
        {"username": "zibo_x", "roles": ["checker"], "person": str(staffed.people["province"].pk)},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="zibo_x").exists()


def test_invitation_sets_a_password_once(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    user = staff.create_user(staffed.users["zibo_lab"], username="zibo_inv", roles=["recorder"])
    token = staff.invitation_token(user)
    anonymous = Client()
    url = f"/staff/invitation/{token}/"
    assert anonymous.get(url).status_code == 200
    weak = anonymous.post(url, {"password1": "123", "password2": "123"})
    assert weak.status_code == 400  # Django's validators: too short, entirely numeric
    assert "password" in weak.content.decode().lower()
    user.refresh_from_db()
    assert not user.has_usable_password()
    done = anonymous.post(url, {"password1": "Ziboscale-2026", "password2": "Ziboscale-2026"})
    assert done.status_code == 302
    assert Client().login(username="zibo_inv", password="Ziboscale-2026")
    again = anonymous.post(url, {"password1": "Other-pass-2026", "password2": "Other-pass-2026"})
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert Client().login(username="zibo_inv", password="Ziboscale-2026")


def test_an_expired_or_forged_invitation_is_refused(staffed: Any) -> None:
    from unittest import mock

    from django.core.exceptions import ValidationError

    user = staff.create_user(staffed.users["zibo_lab"], username="zibo_exp", roles=["recorder"])
    token = staff.invitation_token(user)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(ValidationError, match="not valid"):
        staff.invited_user(forged)
    assert Client().get(f"/staff/invitation/{forged}/").status_code == 400
    later = time.time() + staff.INVITATION_DAYS * 86400 + 60  # one minute past the 7 days
    with (
        mock.patch("django.core.signing.time.time", return_value=later),
        pytest.raises(ValidationError, match="expired"),
    ):
        staff.invited_user(token)
    deactivated = staff.update_user(staffed.users["zibo_lab"], user, active=False)
    with pytest.raises(ValidationError, match="already used or withdrawn"):
        staff.invited_user(staff.invitation_token(deactivated))


def test_manager_cannot_edit_another_institutions_user(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    other = staffed.users["sd_lab"]
    before = _state(other)
    client = client_as("zibo_lab")
    assert client.get(f"/staff/{other.pk}/").status_code == 404
    page = client.post(f"/staff/{other.pk}/", {"roles": ["readonly"], "active": ""})
    assert page.status_code == 404
    api = client.patch(
        f"/api/staff/{other.pk}", json.dumps({"active": False}), content_type="application/json"
    )
    assert api.status_code == 404
    assert api.json()["detail"]
    assert "sd_lab" not in client.get("/staff/").content.decode()
    assert _state(other) == before


def test_a_user_who_is_not_a_manager_gets_403(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    checker = staff.create_user(staffed.users["zibo_lab"], username="zibo_c", roles=["checker"])
    client = Client()
    client.force_login(checker)
    assert client.get("/staff/").status_code == 403
    response = client.post(
        "/api/staff/", json.dumps({"username": "x"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="x").exists()
    assert Client().get("/api/staff/").status_code == 401


def test_no_one_is_raised_to_platform_admin(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    client = client_as("zibo_lab")
    checker = staff.create_user(staffed.users["zibo_lab"], username="zibo_c2", roles=["checker"])
    before = _state(checker)
    for roles in (["admin"], ["manager", "admin"], ["superuser"]):
        api = client.patch(
            f"/api/staff/{checker.pk}",
            json.dumps({"roles": roles}),
            content_type="application/json",
        )
        assert api.status_code == 400, roles
        assert "unknown role" in json.dumps(api.json())
        page = client.post(f"/staff/{checker.pk}/", {"roles": roles, "active": "on"})
        assert page.status_code == 400
    # extra fields an attacker might send are not in the schema and change nothing
    client.patch(
        f"/api/staff/{checker.pk}",
        json.dumps({"role": "admin", "is_superuser": True, "institution": staffed.nim.pk}),
        content_type="application/json",
    )
    assert _state(checker) == before
    checker.refresh_from_db()
    assert checker.institution_id == staffed.city.pk
    admin = staffed.users["admin"]
    assert client.get(f"/staff/{admin.pk}/").status_code == 404  # admins are no one's staff


def test_the_last_manager_stays(staffed: Any, client_as: Callable[[str | None], Client]) -> None:
    manager = staffed.users["zibo_lab"]
    client = client_as("zibo_lab")
    before = _state(manager)
    api = client.patch(
        f"/api/staff/{manager.pk}", json.dumps({"active": False}), content_type="application/json"
    )
    assert api.status_code == 400
    assert "last manager" in json.dumps(api.json())
    demote = client.patch(
        f"/api/staff/{manager.pk}",
        json.dumps({"roles": ["approver"]}),
        content_type="application/json",
    )
    assert demote.status_code == 400
    page = client.post(f"/staff/{manager.pk}/", {"roles": ["approver"], "active": "on"})
    assert page.status_code == 400
    assert "last manager" in page.content.decode()
    assert _state(manager) == before
    # with a second manager, the first may step down
    second = staff.create_user(manager, username="zibo_m2", roles=["manager"])
    assert second.staff_roles == ["manager"]
    ok = client.patch(
        f"/api/staff/{manager.pk}",
        json.dumps({"roles": ["approver"]}),
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["roles"] == ["approver"]


def test_deactivating_someone_who_left(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    leaver = staff.create_user(
        staffed.users["zibo_lab"], username="zibo_leaver", roles=["recorder"]
    )
    leaver.set_password("Leaver-pass-2026")
    leaver.save()
    token, raw = ApiToken.issue(leaver, "script")
    response = client_as("zibo_lab").post(
        f"/staff/{leaver.pk}/", {"roles": ["recorder"], "active": ""}
    )
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active
    token.refresh_from_db()
    assert token.revoked
    assert not Client().login(username="zibo_leaver", password="Leaver-pass-2026")
    api = Client().get("/api/my/jobs", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 401
    records = ChangeRecord.objects.filter(model="accounts.user", object_id=str(leaver.pk))
    last = records.first()
    assert (
        last is not None and last.before["is_active"] is True and last.after["is_active"] is False
    )
    page = client_as("zibo_lab").get(f"/staff/{leaver.pk}/").content.decode()
    assert "zibo_lab" in page  # the change log names who did it


def test_api_creates_with_a_registration_number(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    person = staffed.people["city"]
    response = client_as("zibo_lab").post(
        "/api/staff/",
        json.dumps(
            {"username": "zibo_api", "roles": ["recorder"], "person": person.registration_number}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == person.registration_number
    assert body["roles"] == ["recorder"]
    assert staff.invited_user(body["invitation"]).username == "zibo_api"
    foreign = client_as("zibo_lab").post(
        "/api/staff/",
        json.dumps(
            {"username": "zibo_api2", "person": staffed.people["province"].registration_number}
        ),
        content_type="application/json",
    )
    assert foreign.status_code == 400
    assert not User.objects.filter(username="zibo_api2").exists()
    taken = client_as("zibo_lab").post(
        "/api/staff/", json.dumps({"username": "ZIBO_API"}), content_type="application/json"
    )
    assert taken.status_code == 400 and "taken" in json.dumps(taken.json())
    listed = client_as("zibo_lab").get("/api/staff/").json()
    assert {u["username"] for u in listed} == {"zibo_lab", "zibo_api"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "zibo new"}, "username"),
        ({"username": "   "}, "username"),
        ({"username": "zibo_mail", "email": "not-an-address"}, "email"),
        ({"username": "zibo_ro", "roles": ["readonly", "checker"]}, "roles"),
        ({"username": "zibo_p", "person": "NO-SUCH-REG"}, "person"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    staffed: Any, client_as: Callable[[str | None], Client], payload: dict[str, Any], field: str
) -> None:
    before = User.objects.count()
    response = client_as("zibo_lab").post(
        "/api/staff/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert User.objects.count() == before
    if field == "person":
        return  # the page offers a select of the institution's own people
    page = client_as("zibo_lab").post(
        "/staff/",
        {
            "username": payload["username"],
            "roles": payload.get("roles", ["checker"]),
            "email": payload.get("email", ""),
        },
    )
    assert page.status_code == 400
    assert User.objects.count() == before


def test_a_deactivated_users_open_session_ends(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    leaver = staff.create_user(staffed.users["zibo_lab"], username="zibo_gone", roles=["recorder"])
    session = Client()
    session.force_login(leaver)
    assert session.get("/my/jobs/").status_code == 200
    staff.update_user(staffed.users["zibo_lab"], leaver, active=False)
    response = session.get("/my/jobs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert session.get("/api/my/jobs").status_code == 401


@pytest.mark.parametrize("body", ["false", "[]", "null", "1", '"x"'])
def test_a_body_that_is_not_an_object_is_refused(
    staffed: Any, client_as: Callable[[str | None], Client], body: str
) -> None:
    manager = staffed.users["zibo_lab"]
    before = _state(manager)
    client = client_as("zibo_lab")
    patch = client.patch(f"/api/staff/{manager.pk}", body, content_type="application/json")
    assert patch.status_code in (400, 422), patch.content
    post = client.post("/api/staff/", body, content_type="application/json")
    assert post.status_code in (400, 422), post.content
    assert _state(manager) == before


def test_a_platform_admin_sees_every_institutions_staff_but_no_admin(staffed: Any) -> None:
    client = Client()
    client.force_login(staffed.users["admin"])
    page = client.get("/staff/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-username="sd_lab"' in text and 'data-username="zibo_lab"' in text
    assert 'data-username="admin"' not in text
    # an admin has no institution of its own: the page cannot guess one (400, nothing made)
    response = client.post("/staff/", {"username": "orphan", "roles": ["checker"]})
    assert response.status_code == 400
    assert "institution" in response.content.decode()
    assert not User.objects.filter(username="orphan").exists()


@pytest.mark.parametrize("active", [0, 1, "yes", "false"])
def test_active_is_true_or_false_only(
    staffed: Any, client_as: Callable[[str | None], Client], active: Any
) -> None:
    """schemathesis found `"active": 0` accepted (pydantic's lax bool): a flag is a JSON
    boolean or nothing, and a refused body changes nothing."""
    manager = staffed.users["zibo_lab"]
    before = _state(manager)
    client = client_as("zibo_lab")
    patch = client.patch(
        f"/api/staff/{manager.pk}", json.dumps({"active": active}), content_type="application/json"
    )
    assert patch.status_code == 422, patch.content
    assert _state(manager) == before


def test_an_empty_object_is_an_empty_change(
    staffed: Any, client_as: Callable[[str | None], Client]
) -> None:
    manager = staffed.users["zibo_lab"]
    before = _state(manager)
    patch = client_as("zibo_lab").patch(
        f"/api/staff/{manager.pk}", "{}", content_type="application/json"
    )
    assert patch.status_code == 200, patch.content
    assert _state(manager) == before
