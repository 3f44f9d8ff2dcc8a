"""The inbox page, its API and the unsubscribe link, after a real run against SMTP."""

from __future__ import annotations

import json
import re

from django.test import Client
from typer.testing import CliRunner

from jiliang.cli.main import app
from tests.notices.conftest import TODAY, NoticeWorld, Received

runner = CliRunner()


def run() -> None:
    result = runner.invoke(app, ["notify", "--on", TODAY.isoformat(), "--json"])
    assert result.exit_code == 0, result.output


def logged_in(nw: NoticeWorld, name: str) -> Client:
    client = Client()
    client.force_login(nw.world.users[name])
    return client


def unsubscribe_link(smtp: Received, address: str, words: str) -> str:
    (mail,) = [m for m in smtp.to(address) if words in str(m["Subject"])]
    text = mail.get_body(("plain",)).get_content()
    found = re.search(r"http://jiliang\.test(/notices/unsubscribe/[^/\s]+/)", text)
    assert found, text
    return found.group(1)


def test_inbox_lists_my_notices_with_unread_count_and_marks_read(
    nw: NoticeWorld, smtp: Received
) -> None:
    from jiliang.notices.models import Notice

    run()
    client = logged_in(nw, "market")
    page = client.get("/notices/").content.decode()
    assert '<span class="badge" title="未读">4</span>' in page
    assert "2 台计量器具已超期" in page and "已收样" in page
    assert "辖区内" not in page  # the regulator's notice is not the market's
    client.cookies["django_language"] = "en"  # the English titles come with the English page
    english = client.get("/notices/").content.decode()
    assert '<span class="badge" title="unread">4</span>' in english
    assert "2 instrument(s) overdue" in english
    assert "Certificate ZB-2025-0001 recalled" in english
    client.cookies["django_language"] = "zh-hans"
    overdue = Notice.objects.get(user=nw.world.users["market"], kind="overdue")
    assert client.post("/notices/", {"id": overdue.pk}).status_code == 302
    page = client.get("/notices/").content.decode()
    assert '<span class="badge" title="未读">3</span>' in page
    assert client.post("/notices/", {"id": "all"}).status_code == 302
    assert Notice.objects.filter(user=nw.world.users["market"], read_at__isnull=True).count() == 0
    assert 'class="badge"' not in client.get("/notices/").content.decode()


def test_cannot_mark_someone_elses_notice(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    run()
    theirs = Notice.objects.get(user=nw.world.users["taxi"])
    client = logged_in(nw, "market")
    client.post("/notices/", {"id": theirs.pk})
    api = client.post(
        "/api/notices/read", json.dumps({"ids": [theirs.pk]}), content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    bad = client.post("/notices/", {"id": "1 OR 1=1"})
    assert bad.status_code == 400


def test_inbox_needs_login(nw: NoticeWorld) -> None:
    response = Client().get("/notices/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get("/api/notices/").status_code == 401


def test_api_lists_marks_and_sets_preferences(nw: NoticeWorld, smtp: Received) -> None:
    run()
    client = logged_in(nw, "market")
    listing = client.get("/api/notices/").json()
    assert listing["unread"] == 4 and listing["count"] == 4
    assert {n["kind"] for n in listing["items"]} == {"due", "overdue", "job", "recall"}
    assert all(n["mail"] == "sent" for n in listing["items"])
    first = listing["items"][0]["id"]
    marked = client.post(
        "/api/notices/read", json.dumps({"ids": [first]}), content_type="application/json"
    ).json()
    assert marked == {"marked": 1, "unread": 3}
    assert client.get("/api/notices/?unread=true").json()["count"] == 3
    put = client.put(
        "/api/notices/preferences",
        json.dumps({"email": True, "muted": ["due", "recall"]}),
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["muted"] == ["due", "recall"]
    assert client.get("/api/notices/preferences").json()["muted"] == ["due", "recall"]


def test_api_bad_input_is_a_json_4xx_and_changes_nothing(nw: NoticeWorld) -> None:
    from jiliang.notices.models import Preference

    client = logged_in(nw, "market")
    bad = client.put(
        "/api/notices/preferences",
        json.dumps({"email": False, "muted": ["due", "spam"]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "spam" in bad.json()["detail"]
    assert not Preference.objects.filter(user=nw.world.users["market"]).exists()
    assert client.get("/api/notices/?limit=0").status_code == 400
    assert client.get("/api/notices/?limit=abc").status_code in (400, 422)
    wrong = client.post("/api/notices/read", "[1,", content_type="application/json")
    assert 400 <= wrong.status_code < 500


def test_preferences_form(nw: NoticeWorld) -> None:
    from jiliang.notices.models import Preference

    client = logged_in(nw, "market")
    ok = client.post("/notices/preferences/", {"email": "on", "kind": ["due", "overdue"]})
    assert ok.status_code == 302
    pref = Preference.objects.get(user=nw.world.users["market"])
    assert pref.email and pref.muted == ["reexamination", "job", "recall", "region_overdue"]
    bad = client.post("/notices/preferences/", {"kind": ["due", "nonsense"]})
    assert bad.status_code == 400
    pref.refresh_from_db()
    assert pref.email and pref.muted == ["reexamination", "job", "recall", "region_overdue"]


def test_unsubscribe_link_works_without_login(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Preference

    run()
    path = unsubscribe_link(smtp, "market@example.test", "已超期")
    anonymous = Client()
    page = anonymous.get(path)
    assert page.status_code == 200
    assert "已退订" in page.content.decode()
    anonymous.cookies["django_language"] = "en"
    assert "Unsubscribed" in anonymous.get(path).content.decode()
    anonymous.cookies["django_language"] = "zh-hans"
    pref = Preference.objects.get(user=nw.world.users["market"])
    assert pref.email and pref.muted == ["overdue"]
    assert anonymous.get(path).status_code == 200  # twice: still one entry
    pref.refresh_from_db()
    assert pref.muted == ["overdue"]
    # RFC 8058 one-click: a POST from the mail client, no CSRF token, no session
    strict = Client(enforce_csrf_checks=True)
    job_path = unsubscribe_link(smtp, "market@example.test", "已收样")
    assert strict.post(job_path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    pref.refresh_from_db()
    assert pref.muted == ["overdue", "job"]


def test_tampered_unsubscribe_token_is_refused_and_changes_nothing(
    nw: NoticeWorld, smtp: Received
) -> None:
    from django.core import signing

    from jiliang.notices import tokens
    from jiliang.notices.models import Preference

    run()
    path = unsubscribe_link(smtp, "market@example.test", "已超期")
    token = path.split("/")[-2]
    market = nw.world.users["market"].pk
    taxi = nw.world.users["taxi"].pk
    forged_payload = signing.dumps({"u": taxi, "k": "*"}, salt="not-the-salt")
    cases = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # last signature character changed
        token.replace(str(market), str(taxi)),  # payload edited (compressed: no-op or bad)
        forged_payload,  # signed for another purpose
        "garbage",
        signing.dumps(["not", "a", "dict"], salt=tokens.SALT),  # ours, but not a request
        signing.dumps({"u": taxi, "k": "spam"}, salt=tokens.SALT),  # ours, unknown kind
    ]
    for bad in cases:
        if bad == token:
            continue
        response = Client().get(f"/notices/unsubscribe/{bad}/")
        assert response.status_code == 400, bad
        assert "未做任何更改" in response.content.decode()
    assert not Preference.objects.filter(user_id=taxi).exists()
    assert not Preference.objects.filter(user_id=market).exists()
    gone = signing.dumps({"u": 10**9, "k": "*"}, salt=tokens.SALT)
    assert Client().get(f"/notices/unsubscribe/{gone}/").status_code == 404


def test_header_shows_no_inbox_to_anonymous(nw: NoticeWorld) -> None:
    page = Client().get("/").content.decode()
    assert "/notices/" not in page


def test_unsubscribe_all_stops_every_email(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices import tokens

    path = f"/notices/unsubscribe/{tokens.make(nw.world.users['market'].pk, tokens.ALL)}/"
    assert Client().get(path).status_code == 200
    run()
    assert smtp.to("market@example.test") == []
    assert len(smtp.messages) == 5


def test_ids_past_bigint_mark_nothing_and_are_no_500(nw: NoticeWorld, smtp: Received) -> None:
    """An id no row can have (past a 64-bit integer) is simply not one of mine, on both
    backends (SQLite's driver raised OverflowError: the API answered 400 there, 200 on
    PostgreSQL)."""
    run()
    client = logged_in(nw, "market")
    huge = 2**63
    api = client.post(
        "/api/notices/read", json.dumps({"ids": [huge, -1]}), content_type="application/json"
    )
    assert api.status_code == 200 and api.json() == {"marked": 0, "unread": 4}
    page = client.post("/notices/", {"id": str(10**30)})
    assert page.status_code == 302
    assert client.get("/api/notices/").json()["unread"] == 4


def test_ids_and_flags_are_strict_json(nw: NoticeWorld) -> None:
    """schemathesis found `ids: [true]` read as notice 1 and `email: 1` as true: lax
    coercions answer 422 and change nothing."""
    from jiliang.notices.models import Notice, Preference

    client = logged_in(nw, "market")
    unread = Notice.objects.filter(read_at__isnull=True).count()
    for body in ({"ids": [True]}, {"ids": [1.5]}, {"ids": ["1"]}, [None, None], False):
        answer = client.post("/api/notices/read", json.dumps(body), content_type="application/json")
        assert answer.status_code == 422, (body, answer.content)
    assert Notice.objects.filter(read_at__isnull=True).count() == unread
    for flag in (1, 0, "true"):
        answer = client.put(
            "/api/notices/preferences",
            json.dumps({"email": flag, "muted": []}),
            content_type="application/json",
        )
        assert answer.status_code == 422, (flag, answer.content)
    assert not Preference.objects.filter(user=nw.world.users["market"]).exists()
