"""The REST API at /api/calibration: who may see and do what, and 4xx bodies with field and
reason (ARCHITECTURE rule 6). Every endpoint is exercised by an allowed and a refused user."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import DCC_EXAMPLES, SCALE_LOADS, WORK_DAY

pytestmark = pytest.mark.django_db


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


JOB = {
    "receipt_number": "API-1",
    "received_on": WORK_DAY.isoformat(),
    "procedure_code": "JJG 539-2016",
    "accuracy_class": "III",
    "parameters": {"Max": "15000", "e": "5"},
}


def _api_job(lab: Any) -> dict[str, Any]:
    client = _client(lab.recorder)
    response = _post(client, "/api/calibration/jobs", {**JOB, "instrument_id": lab.world.scale.pk})
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_only_lab_staff_receive(lab: Any) -> None:
    body = {**JOB, "instrument_id": lab.world.scale.pk}
    assert (
        _post(_client(lab.world.users["market"]), "/api/calibration/jobs", body).status_code == 403
    )
    anonymous = _post(_client(None), "/api/calibration/jobs", body)
    assert anonymous.status_code == 401  # not signed in: 401, not an empty answer
    assert anonymous.json()["detail"] == "sign in or send a bearer token"
    bad = _post(_client(lab.recorder), "/api/calibration/jobs", {**body, "accuracy_class": "X"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "accuracy_class"


@pytest.mark.parametrize(
    ("user", "status"),
    [("zibo_lab", 200), ("zibo_checker", 200), ("reg_zibo", 200), ("sd_lab", 404),
     ("market", 404), ("reg_bj", 404), (None, 401)],
)  # fmt: skip
def test_who_sees_a_job(lab: Any, user: str | None, status: int) -> None:
    from jiliang.accounts.models import User

    job = _api_job(lab)
    who = User.objects.get(username=user) if user else None
    assert _client(who).get(f"/api/calibration/jobs/{job['id']}").status_code == status
    if who is None:  # an anonymous caller is told to sign in, not shown an empty list
        assert _client(who).get("/api/calibration/jobs").status_code == 401
        return
    listed = _client(who).get("/api/calibration/jobs").json()
    assert (job["id"] in [j["id"] for j in listed]) == (status == 200)


def test_full_flow_through_the_api(lab: Any) -> None:
    job = _api_job(lab)
    staff = _client(lab.recorder)
    url = f"/api/calibration/jobs/{job['id']}"
    assert job["test_points"] == ["Min", "500 e", "2000 e", "1/2 Max", "Max"]
    assert job["inputs"] == ["I", "dL", "mpe_ref"]
    usable = [c["id"] for c in job["candidate_standards"] if c["usable"]]
    assert usable == [lab.world.f1.pk]
    other = _client(lab.world.users["sd_lab"])
    assert _post(other, f"{url}/standards", {"standard_ids": usable}, "put").status_code == 404
    assert _post(staff, f"{url}/standards", {"standard_ids": usable}, "put").status_code == 200
    bad = _post(
        staff,
        f"{url}/conditions",
        {"work_date": WORK_DAY.isoformat(), "place": "lab", "environment": {"temperature": 55}},
        "put",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "environment.temperature"
    ok = _post(
        staff,
        f"{url}/conditions",
        {"work_date": WORK_DAY.isoformat(), "place": "lab", "environment": {"temperature": 21}},
        "put",
    )
    assert ok.status_code == 200
    rows = [
        {"point": str(i + 1), "state": "as_found", "I": load, "dL": 2.5, "mpe_ref": 0.05}
        for i, load in enumerate(SCALE_LOADS)
    ]
    broken = _post(staff, f"{url}/observations", {"rows": [{**rows[0], "I": "x"}]})
    assert broken.status_code == 400
    assert broken.json()["errors"] == [{"field": "row 1.I", "reason": "'x' is not a number"}]
    done = _post(staff, f"{url}/observations", {"rows": rows})
    assert done.status_code == 200
    assert [o["statement"] for o in done.json()["observations"]] == ["pass"] * 5
    assert all(o["risk"] is not None for o in done.json()["observations"])
    assert staff.post(f"{url}/sign").status_code == 200
    again = staff.post(f"{url}/sign")
    assert again.status_code == 400
    assert "three different persons" in again.json()["errors"][0]["reason"]
    reject = _post(_client(lab.checker), f"{url}/reject", {"reason": "recheck Min"})
    assert reject.json()["status"] == "draft"
    for user in (lab.recorder, lab.checker, lab.approver):
        response = _client(user).post(f"{url}/sign")
        assert response.status_code == 200, response.content
    number = response.json()["certificate"]
    assert number.endswith("-000001")

    def get(user: Any, fmt: str) -> Any:
        return _client(user).get(f"/api/calibration/certificates/{number}/{fmt}")

    pdf = get(lab.world.users["market"], "pdf")  # the customer
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert get(lab.world.users["market"], "dcc.sig").json()["algorithm"] == "Ed25519"
    assert get(lab.recorder, "dcc").content.startswith(b"<?xml")
    for outsider in (lab.world.users["taxi"], lab.world.users["sd_lab"]):
        assert get(outsider, "pdf").status_code == 404
    assert get(None, "pdf").status_code == 401  # anonymous: sign in first
    keys = _client(None).get("/api/calibration/keys").json()
    assert [k["institution_id"] for k in keys] == [lab.world.city.pk]
    pem = _client(None).get(f"/api/calibration/keys/{lab.world.city.pk}.pem")
    assert pem.status_code == 200 and b"BEGIN PUBLIC KEY" in pem.content
    assert _client(None).get(f"/api/calibration/keys/{lab.world.nim.pk}.pem").status_code == 404


def test_dcc_import_through_the_api(lab: Any) -> None:
    from jiliang.registry.models import Instrument

    Instrument.objects.create(
        owner=lab.world.market,
        name="Kalibrierobjekt",
        division_code="370303",
        serial_number="string-manufacturer-item",
    )
    with open(DCC_EXAMPLES / "valid.xml", "rb") as handle:
        response = _client(lab.world.users["market"]).post(
            "/api/calibration/dcc/import", {"file": handle}
        )
    assert response.status_code == 201, response.content
    assert response.json()["external_issuer"] == "Kalibrierfirma GmbH"
    assert response.json()["xml_signature"]["state"] == "absent"
    with open(DCC_EXAMPLES / "invalid" / "demo_cert.xml", "rb") as handle:
        bad = _client(lab.world.users["market"]).post(
            "/api/calibration/dcc/import", {"file": handle}
        )
    assert bad.status_code == 400
    assert len(bad.json()["errors"]) == 3  # the examples README: invalid, 3 errors


def test_procedure_upload_through_the_api(lab: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = lab.procedure.source_text.replace("code: JJG 539-2016", "code: ZB-539-A")
    ok = _client(lab.recorder).post(
        "/api/calibration/procedures", {"file": SimpleUploadedFile("own.yaml", text.encode())}
    )
    assert ok.status_code == 201
    refused = _client(lab.world.users["market"]).post(
        "/api/calibration/procedures", {"file": SimpleUploadedFile("own.yaml", text.encode())}
    )
    assert refused.status_code == 403
    broken = _client(lab.recorder).post(
        "/api/calibration/procedures",
        {
            "file": SimpleUploadedFile(
                "b.yaml", text.replace("kind: verification", "kind: x").encode()
            )
        },
    )
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["field"] == "kind"
    codes = [p["code"] for p in _client(lab.recorder).get("/api/calibration/procedures").json()]
    assert "ZB-539-A" in codes
    others = [p["code"] for p in _client(lab.world.users["sd_lab"]).get(
        "/api/calibration/procedures").json()]  # fmt: skip
    assert "ZB-539-A" not in others


def test_recall_through_the_api(lab: Any) -> None:
    """The F1 weights are found nonconforming on 2026-01-10: the market's certificate
    ZB-2025-0001 (2025-09-01) lies after the F1's last good calibration (2025-04-01)."""
    world = lab.world
    staff = _client(lab.recorder)
    body = {"standard_id": world.f1.pk, "since": "2026-01-10", "reason": "drift found"}
    assert (
        _post(_client(world.users["market"]), "/api/calibration/recalls", body).status_code == 403
    )
    assert (
        _post(_client(world.users["sd_lab"]), "/api/calibration/recalls", body).status_code == 403
    )
    created = _post(staff, "/api/calibration/recalls", body)
    assert created.status_code == 201
    recall = created.json()
    assert recall["last_good"] == "2025-04-01"
    assert [(i["certificate"], i["customer"]) for i in recall["items"]] == [
        ("ZB-2025-0001", world.market.name_zh)
    ]
    item = recall["items"][0]["id"]
    close = staff.post(f"/api/calibration/recalls/{recall['id']}/close")
    assert close.status_code == 400
    assert "ZB-2025-0001" in close.json()["errors"][0]["reason"]
    patched = _post(
        staff,
        f"/api/calibration/recalls/items/{item}",
        {"notified_on": "2026-01-12", "method": "phone", "waived_reason": "scale withdrawn"},
        "patch",
    )
    assert patched.status_code == 200
    assert patched.json()["items"][0]["resolved"] is True
    assert staff.post(f"/api/calibration/recalls/{recall['id']}/close").json()["open"] is False
    assert (
        _client(world.users["market"]).get(f"/api/calibration/recalls/{recall['id']}").status_code
        == 404
    )


def test_spreadsheet_upload_through_the_api(lab: Any) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    job = _api_job(lab)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["point", "state", "I", "dL", "mpe_ref"])
    for i, load in enumerate(SCALE_LOADS, start=1):
        sheet.append([i, "as_found", load, 2.5, 0.05])
    data = io.BytesIO()
    book.save(data)
    url = f"/api/calibration/jobs/{job['id']}/observations/upload"
    upload = SimpleUploadedFile("obs.xlsx", data.getvalue())
    refused = _client(lab.world.users["reg_zibo"]).post(url, {"file": upload})
    assert refused.status_code == 403
    upload = SimpleUploadedFile("obs.xlsx", data.getvalue())
    response = _client(lab.recorder).post(url, {"file": upload})
    assert response.status_code == 200, response.content
    assert len(response.json()["observations"]) == 5


def test_numbering_pattern_through_the_api(lab: Any) -> None:
    body = {"institution_code": "ZBJL", "pattern": "{institution_code}/{year}/{seq:04d}"}
    assert (
        _post(
            _client(lab.world.users["market"]), "/api/calibration/numbering", body, "put"
        ).status_code
        == 403
    )
    bad = _post(
        _client(lab.recorder), "/api/calibration/numbering", {**body, "pattern": "{year}"}, "put"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "pattern"
    slash = _post(_client(lab.recorder), "/api/calibration/numbering", body, "put")
    assert slash.status_code == 400
    assert "appear in URLs" in slash.json()["errors"][0]["reason"]
    body["pattern"] = "{institution_code}-{year}-{seq:04d}"
    ok = _post(_client(lab.recorder), "/api/calibration/numbering", body, "put")
    assert ok.status_code == 200
