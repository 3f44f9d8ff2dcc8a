"""Every msgid used in templates and Python has an English msgstr, and the .mo files are fresh.

These two tests read the whole source tree: until every helper's work is converted they list
each gap as file:line and msgid, which is the work list for `scripts/i18n.py`.
"""

from __future__ import annotations

from tests.i18n.i18ntool import load

i18n = load()


def test_every_used_msgid_has_an_english_translation() -> None:
    gaps = [i18n.describe(u) for u in i18n.missing()]
    assert not gaps, f"{len(gaps)} msgid use(s) without English:\n" + "\n".join(gaps)


def test_catalogues_complete_and_compiled() -> None:
    problems = i18n.catalogue_problems()
    assert not problems, "\n".join(problems)


def test_the_catalogues_are_found_where_django_looks() -> None:
    # LOCALE_PATHS holds the project catalogue; every app keeps its own under <app>/locale
    from django.conf import settings

    project = i18n.PROJECT_LOCALE / "en" / "LC_MESSAGES" / "django.po"
    assert [str(p) for p in settings.LOCALE_PATHS] == [str(i18n.PROJECT_LOCALE)]
    assert project in i18n.all_catalogues()
    for po in i18n.all_catalogues():
        assert i18n.load_po(po).metadata["Language"] == "en", po
        assert "charset=UTF-8" in i18n.load_po(po).metadata["Content-Type"], po


def test_django_translates_with_the_committed_catalogues() -> None:
    # 日志为空 is a ledger page's text; 已出证 is a choice label of calibration.Job
    from django.utils import translation

    from jiliang.calibration.models import Job

    with translation.override("en"):
        assert translation.gettext("日志为空") == "The log is empty."
        assert Job(status="issued").get_status_display() == "Issued"
    with translation.override("zh-hans"):
        assert translation.gettext("日志为空") == "日志为空"
        assert Job(status="issued").get_status_display() == "已出证"


def test_no_msgid_means_two_things() -> None:
    # Django merges all catalogues and one silently wins: a page would show another's meaning
    problems = i18n.conflicts()
    assert not problems, "\n".join(problems)
