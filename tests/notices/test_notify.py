"""`jiliang notify` against a real SMTP server: each notice once in the database and once at
the server, however often the scheduler runs it; counts from the hand-built world
(conftest.py explains each one)."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from jiliang.cli.main import app
from tests.notices.conftest import TODAY, NoticeWorld, Received

runner = CliRunner()

EXPECTED = {
    ("market", "due", 1),
    ("market", "overdue", 2),
    ("market", "job", None),
    ("market", "recall", None),
    ("taxi", "overdue", 1),
    ("zibo_lab", "overdue", 1),
    ("sd_lab", "reexamination", None),
    ("reg_zibo", "region_overdue", 1),
    ("reg_bj", "region_overdue", 1),
}


def notify(*args: str) -> Any:
    result = runner.invoke(app, ["notify", "--on", TODAY.isoformat(), *args])
    return result


def stored() -> set[tuple[str, str, int | None]]:
    from jiliang.notices.models import Notice

    return {
        (n.user.username, n.kind, n.data.get("count"))
        for n in Notice.objects.select_related("user")
    }


def test_run_twice_each_notice_once_in_db_and_at_smtp(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    first = notify("--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["new"] == 9 and data["mailed"] == 9 and data["failed"] == 0
    assert stored() == EXPECTED
    assert len(smtp.messages) == 9

    second = notify("--json")
    assert second.exit_code == 0, second.output
    again = json.loads(second.output)
    assert again["found"] == 9 and again["new"] == 0 and again["mailed"] == 0
    assert Notice.objects.count() == 9
    assert len(smtp.messages) == 9  # nothing more reached the server
    assert sorted(r[0] for r, _ in smtp.messages) == sorted(
        f"{u}@example.test" for u, _, _ in EXPECTED
    )


def test_mail_is_bilingual_text_and_html_with_unsubscribe(nw: NoticeWorld, smtp: Received) -> None:
    assert notify().exit_code == 0
    (mail,) = [m for m in smtp.to("market@example.test") if "已超期" in str(m["Subject"])]
    assert "2 台计量器具已超期" in mail["Subject"] and "2 instrument(s) overdue" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.index("2 台在用计量器具") < text.index("2 instrument(s) in service")
    owner = nw.world.market.pk
    assert f"http://jiliang.test/due/?owner={owner}" in text
    assert "http://jiliang.test/notices/unsubscribe/" in text and "/notices/unsubscribe/" in html
    assert mail["List-Unsubscribe"].startswith("<http://jiliang.test/notices/unsubscribe/")
    assert mail["From"] == "jiliang <noreply@jiliang.test>"


def test_due_reminders_are_one_per_owner_with_counts(nw: NoticeWorld, smtp: Received) -> None:
    """Set-based: 40 more overdue scales change a count, not the number of notices."""
    import datetime as dt

    from jiliang.notices.models import Notice
    from jiliang.registry.models import Certificate, Instrument

    w = nw.world
    for i in range(40):
        inst = Instrument.objects.create(
            owner=w.market,
            name="秤",
            category=w.scale.category,
            use_area="trade",
            division_code="370303",
            serial_number=f"BULK-{i:03d}",
        )
        Certificate.objects.create(
            number=f"ZB-BULK-{i:03d}",
            kind="verification",
            issuer=w.city,
            instrument=inst,
            regulation="JJG 539-2016",
            calibration_date=dt.date(2025, 1, 1),
            issued_on=dt.date(2025, 1, 1),
            valid_until=dt.date(2025, 12, 31),
            conclusion="pass",
        )
    assert notify().exit_code == 0
    overdue = Notice.objects.get(user=w.users["market"], kind="overdue")
    assert overdue.data["count"] == 42
    assert Notice.objects.count() == 9
    assert Notice.objects.get(user=w.users["reg_zibo"]).data["count"] == 41


def test_job_status_change_is_told_once_per_stage(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    assert notify().exit_code == 0
    market = nw.world.users["market"]
    assert list(
        Notice.objects.filter(user=market, kind="job").values_list("period", flat=True)
    ) == ["received"]
    nw.job.status = "recorded"  # the lab's internal step; the customer sees "awaiting signatures"
    nw.job.save(update_fields=["status"])
    data = json.loads(notify("--json").output)
    assert data["new"] == 1 and data["mailed"] == 1
    nw.job.status = "checked"  # still awaiting signatures: nothing new for the customer
    nw.job.save(update_fields=["status"])
    assert json.loads(notify("--json").output)["new"] == 0
    periods = set(Notice.objects.filter(user=market, kind="job").values_list("period", flat=True))
    assert periods == {"received", "awaiting"}
    job_mails = [
        m
        for m in smtp.to("market@example.test")
        if "ZB-R-0001" in m.get_body(("plain",)).get_content()
    ]
    assert len(job_mails) == 2


def test_regulator_gets_only_its_region(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    assert notify().exit_code == 0
    zibo = Notice.objects.get(user=nw.world.users["reg_zibo"])
    bj = Notice.objects.get(user=nw.world.users["reg_bj"])
    assert (zibo.data["region"], zibo.data["count"]) == ("3703", 1)
    assert (bj.data["region"], bj.data["count"]) == ("11", 1)
    assert zibo.link == "/due/?region=3703"


def test_preferences_off_means_inbox_only(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices import services
    from jiliang.notices.models import Notice

    w = nw.world
    services.set_preference(w.users["market"], email=False, muted=[])
    services.set_preference(w.users["taxi"], email=True, muted=["overdue"])
    data = json.loads(notify("--json").output)
    assert data["new"] == 9 and data["mailed"] == 4
    assert smtp.to("market@example.test") == [] and smtp.to("taxi@example.test") == []
    assert Notice.objects.filter(user=w.users["market"]).count() == 4  # the inbox still has them
    assert set(Notice.objects.filter(user=w.users["market"]).values_list("mail", flat=True)) == {
        "none"
    }


def test_failed_send_is_retried_next_run_and_not_duplicated(
    nw: NoticeWorld, smtp: Received, settings: Any
) -> None:
    from jiliang.notices.models import Notice
    from tests.notices.conftest import free_port, mailer

    working = settings.MAILERS
    settings.MAILERS = mailer(free_port())  # nothing listens there
    result = notify("--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["new"] == 9 and data["failed"] == 9 and data["mailed"] == 0
    assert set(Notice.objects.values_list("mail", "mail_attempts")) == {("failed", 1)}
    settings.MAILERS = working
    data = json.loads(notify("--json").output)
    assert data["new"] == 0 and data["mailed"] == 9
    assert set(Notice.objects.values_list("mail", "mail_attempts")) == {("sent", 2)}
    assert len(smtp.messages) == 9


def test_dry_run_stores_and_sends_nothing(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    data = json.loads(notify("--dry-run", "--json").output)
    assert data["dry_run"] and data["new"] == 9 and data["mailed"] == 0
    assert Notice.objects.count() == 0 and smtp.messages == []


def test_scope_user_and_institution(nw: NoticeWorld, smtp: Received) -> None:
    w = nw.world
    data = json.loads(notify("--user", "taxi", "--json").output)
    assert data["new"] == 1 and stored() == {("taxi", "overdue", 1)}
    data = json.loads(notify("--institution", w.market.uscc.lower(), "--json").output)
    assert data["new"] == 4 and len(smtp.messages) == 5
    data = json.loads(notify("--institution", str(w.regulator_bj.pk), "--json").output)
    assert data["new"] == 1 and len(smtp.messages) == 6
    # a user outside the institution asked for: nobody
    data = json.loads(notify("--user", "sd_lab", "--institution", w.city.uscc, "--json").output)
    assert data["found"] == 0 and len(smtp.messages) == 6


def test_bad_input_is_a_clear_message_without_traceback(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    for args, words in (
        (["notify", "--on", "2026-13-01"], "not a date"),
        (["notify", "--on", "1999-01-01"], "1999-01-01"),
        (["notify", "--user", "nobody"], "no such user"),
        (["notify", "--institution", "XYZ"], "unified social credit code"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and "Traceback" not in result.output
    assert Notice.objects.count() == 0 and smtp.messages == []


def test_a_send_interrupted_by_a_dead_run_is_retried(nw: NoticeWorld, smtp: Received) -> None:
    """A notice left `sending` for over an hour (the run died) is sent by the next run."""
    import datetime as dt

    from django.utils import timezone

    from jiliang.notices.models import Notice

    assert notify("--dry-run").exit_code == 0
    taxi = nw.world.users["taxi"]
    stuck = Notice.objects.create(
        user=taxi,
        kind="overdue",
        subject=f"owner:{nw.world.taxi.pk}",
        period="2026-06",
        title_zh="1 台计量器具已超期",
        title_en="1 instrument(s) overdue",
        body_zh="…",
        body_en="…",
        mail="sending",
        mailed_at=timezone.now() - dt.timedelta(hours=2),
    )
    fresh = Notice.objects.create(
        user=taxi,
        kind="due",
        subject="owner:0",
        period="2026-06",
        title_zh="t",
        title_en="t",
        body_zh="b",
        body_en="b",
        mail="sending",
        mailed_at=timezone.now(),  # another run is sending it right now: not ours
    )
    data = json.loads(notify("--json").output)
    assert data["new"] == 8 and data["mailed"] == 9
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.mail, stuck.mail_attempts) == ("sent", 2)
    assert fresh.mail == "sending"
    assert len(smtp.to("taxi@example.test")) == 1


def test_no_address_means_inbox_only(nw: NoticeWorld, smtp: Received) -> None:
    from jiliang.notices.models import Notice

    reg = nw.world.users["reg_bj"]
    reg.email = ""
    reg.save(update_fields=["email"])
    data = json.loads(notify("--json").output)
    assert data["new"] == 9 and data["mailed"] == 8
    assert Notice.objects.get(user=reg).mail == "none"


def test_a_title_with_a_line_break_still_mails_on_one_subject_line(
    nw: NoticeWorld, smtp: Received
) -> None:
    from jiliang.registry.models import Instrument

    Instrument.objects.filter(pk=nw.world.scale.pk).update(name="电子计价秤\nRetail scale")
    data = json.loads(notify("--json").output)
    assert data["failed"] == 0 and data["mailed"] == 9
    (job_mail,) = [m for m in smtp.to("market@example.test") if "已收样" in str(m["Subject"])]
    assert "\n" not in str(job_mail["Subject"])
    assert "电子计价秤 Retail scale SCALE-0001" in str(job_mail["Subject"])


def test_summary_table_without_json(nw: NoticeWorld, smtp: Received) -> None:
    result = notify()
    assert result.exit_code == 0, result.output
    assert "notices on 2026-06-01" in result.output
    assert "器具已超期" in result.output  # the kind's label, in the default language
    assert "e-mailed 已发送: 9" in result.output
    dry = notify("--dry-run")
    flat = " ".join(dry.output.split())  # the table's title wraps with the column widths
    assert "dry run: nothing stored or sent" in flat and "e-mailed 已发送: 0" in flat


def test_a_user_deactivated_before_the_send_is_not_mailed(
    nw: NoticeWorld, smtp: Received, settings: Any
) -> None:
    """Stored while active, retried after leaving: the retry does not mail a former user."""

    from jiliang.notices.models import Notice
    from tests.notices.conftest import free_port, mailer

    working = settings.MAILERS
    settings.MAILERS = mailer(free_port())
    assert notify().exit_code == 1  # all nine failed, kept for a retry
    settings.MAILERS = working
    taxi = nw.world.users["taxi"]
    taxi.is_active = False
    taxi.save(update_fields=["is_active"])
    data = json.loads(notify("--json").output)
    assert data["mailed"] == 8 and smtp.to("taxi@example.test") == []
    assert Notice.objects.get(user=taxi).mail == "none"
