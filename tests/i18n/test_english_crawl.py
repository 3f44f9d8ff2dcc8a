"""Issue 13 §6: an English-mode crawl of every page finds no Chinese-only text outside data.

The demo data (jiliang.demo.build_everything) is built once; the crawl starts at the home page
as anonymous and as one login of each demo role, follows the menu and, bounded to 3 URLs per
URL name, the detail pages linked from lists.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.i18n.crawl import ChineseText, crawl


def test_marker_rules() -> None:
    # the parser is the test's own logic: check it on a page written out here
    page = (
        "<html><head><title>Jobs</title></head><body><h1>Jobs</h1>"
        '<td><bdi lang="zh">淄博市计量所</bdi></td><td class="data">山东</td>'
        "<td><code>GJJ(力)0101</code></td>"
        '<button lang="zh-hans">中文</button>'
        '<span class="bi"><span lang="zh">机构</span><span lang="en">Institutions</span></span>'
        '<input placeholder="编号"><img alt="x"><p>未翻译</p></body></html>'
    )
    parser = ChineseText()
    parser.feed(page)
    assert parser.found == [
        "body/span/span: '机构'",
        '<input placeholder="编号">',
        "html/body/p: '未翻译'",
    ]


@pytest.mark.django_db
def test_english_crawl_finds_no_untranslated_chinese() -> None:
    from jiliang.accounts.models import User
    from jiliang.demo import build_everything

    report = build_everything()
    one_per_role: dict[str, str] = {}
    for username, role, _institution in report.logins:
        one_per_role.setdefault(role, username)
    assert len(one_per_role) >= 3  # the demo has laboratories, owners and regulators
    failures: list[str] = []
    visited = 0
    for role, username in [("anonymous", ""), *sorted(one_per_role.items())]:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        result = crawl(client)
        visited += len(result.visited)
        assert len(result.visited) > 3, f"{role}: the crawl reached too few pages"
        for url, found in result.problems.items():
            failures.append(f"[{role}] {url}: " + " | ".join(found[:5]))
    assert not failures, f"{len(failures)} of {visited} pages show Chinese outside data:\n" + (
        "\n".join(failures)
    )
