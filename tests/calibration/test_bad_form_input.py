"""Regressions found by fuzzing the demo's calibration forms (issue #2: bad input never yields
a 500). Each post here once answered 500 (ValueError from `filter(pk="abc")`, an OverflowError
from the SQLite driver, or PyYAML's ValueError for an impossible date) and must now be a
message naming the field, with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import WORK_DAY, make_job

pytestmark = pytest.mark.django_db

# Not ids: a word, a superscript digit (str.isdigit() is True, int() fails), 2**63 (overflow).
NOT_IDS = ["abc", "²", str(2**63)]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("field", ["instrument", "procedure"])
@pytest.mark.parametrize("bad", NOT_IDS)
def test_receipt_with_a_bad_choice_names_the_field(lab: Any, field: str, bad: str) -> None:
    from jiliang.calibration.models import Job

    form = {
        "receipt_number": "P-1",
        "received_on": WORK_DAY.isoformat(),
        "instrument": str(lab.world.scale.pk),
        "procedure": str(lab.procedure.pk),
        "accuracy_class": "III",
        field: bad,
    }
    response = _client(lab.recorder).post("/calibration/jobs/new/", form)
    assert response.status_code == 200
    assert f"{field}: " in _messages(response)
    assert not Job.objects.exists()


@pytest.mark.parametrize("bad", NOT_IDS)
def test_standards_with_a_bad_id_change_nothing(lab: Any, bad: str) -> None:
    job = make_job(lab)
    response = _client(lab.recorder).post(
        f"/calibration/jobs/{job.pk}/standards/",
        {"standards": [str(lab.world.f1.pk), bad]},
        follow=True,
    )
    assert response.status_code == 200
    assert "standards: " in _messages(response)
    assert not job.standards.exists()


@pytest.mark.parametrize("bad", NOT_IDS)
def test_recall_of_a_bad_standard_id_names_the_field(lab: Any, bad: str) -> None:
    from jiliang.calibration.models import Recall

    response = _client(lab.recorder).post(
        "/calibration/recalls/",
        {"standard": bad, "since": "2026-01-10", "reason": "drift"},
        follow=True,
    )
    assert response.status_code == 200
    assert "standard: " in _messages(response)
    assert not Recall.objects.exists()


@pytest.mark.parametrize("bad", NOT_IDS)
def test_recall_item_update_with_a_bad_item_id_names_the_field(lab: Any, bad: str) -> None:
    staff = _client(lab.recorder)
    opened = staff.post(
        "/calibration/recalls/",
        {"standard": lab.world.f1.pk, "since": "2026-01-10", "reason": "drift"},
    )
    response = staff.post(
        opened["Location"],
        {"item": bad, "notified_on": "2026-01-11", "method": "phone"},
        follow=True,
    )
    assert response.status_code == 200
    assert "item: " in _messages(response)


def test_procedure_with_an_impossible_yaml_date_is_a_message(lab: Any) -> None:
    from jiliang.calibration.models import ProcedureRecord

    before = ProcedureRecord.objects.count()
    # 30 February does not exist; YAML 1.1 reads the scalar as a timestamp.
    text = lab.procedure.source_text.replace("code: JJG 539-2016", "code: ZB-DATE-1")
    text += "\nissued: 2026-02-30\n"
    response = _client(lab.recorder).post("/calibration/procedures/", {"text": text}, follow=True)
    assert response.status_code == 200
    message = _messages(response)
    assert "'2026-02-30' is not a valid date: day is out of range for month" in message
    assert message.startswith("line ")  # the message names where the bad date stands
    assert ProcedureRecord.objects.count() == before
