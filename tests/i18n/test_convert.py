"""scripts/i18n.py convert and extract on small templates (catalogue writes stay in memory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Engine

from tests.i18n.i18ntool import load

i18n = load()


@pytest.fixture
def converter() -> object:
    cats = i18n.Catalogues()
    return i18n.Converter(cats)


def convert(converter: object, text: str, name: str = "zz_test/page.html") -> tuple[str, object]:
    path = i18n.SRC / "templates" / name
    conv = i18n.Conversion(path)
    return converter.convert_text(text, conv), conv  # type: ignore[attr-defined]


def test_bilingual_span_becomes_translate_after_extends(converter: object) -> None:
    src = (
        '{% extends "base.html" %}\n{% block content %}<h1><span class="bi">'
        '<span lang="zh">新测试标题</span><span lang="en">New test title</span></span></h1>'
        "{% endblock %}"
    )
    out, conv = convert(converter, src)
    assert out == (
        '{% extends "base.html" %}{% load i18n %}\n{% block content %}'
        '<h1>{% translate "新测试标题" %}</h1>{% endblock %}'
    )
    assert conv.pairs == [(2, "新测试标题", "New test title", None)]
    # a template dir that is no app goes to the project catalogue
    entries = converter.cats.lookup("新测试标题")  # type: ignore[attr-defined]
    assert [e.msgstr for e in entries] == ["New test title"]


def test_variables_become_blocktranslate_with_bound_names(converter: object) -> None:
    src = (
        '<p><span class="bi"><span lang="zh">每 {{ limit.minutes }} 分钟试 {{ limit.tries }} 次'
        '</span><span lang="en">{{ limit.tries }} tries per {{ limit.minutes }} min</span>'
        "</span></p>"
    )
    out, conv = convert(converter, src)
    assert out == (
        "{% load i18n %}\n<p>{% blocktranslate with minutes=limit.minutes tries=limit.tries %}"
        "每 {{ minutes }} 分钟试 {{ tries }} 次{% endblocktranslate %}</p>"
    )
    msgid = "每 %(minutes)s 分钟试 %(tries)s 次"
    assert conv.pairs[0][1:3] == (msgid, "%(tries)s tries per %(minutes)s min")
    # what Django looks up at render time is exactly that msgid
    uses = list(i18n.template_uses(Path("page.html"), out))
    assert [u.msgid for u in uses] == [msgid]


def test_same_chinese_other_english_gets_a_context(converter: object) -> None:
    pair = '<span class="bi"><span lang="zh">自测词</span><span lang="en">{}</span></span>'
    first, _ = convert(converter, pair.format("Self test"), "zz_test/a.html")
    assert first.endswith('{% translate "自测词" %}')
    # the same Chinese meaning something else on another page: a context names that page
    other, _ = convert(converter, pair.format("Own check"), "zz_test/b.html")
    assert other.endswith('{% translate "自测词" context "zz_test/b" %}')
    # the English already catalogued needs no context
    again, _ = convert(converter, pair.format("Self test"), "zz_test/c.html")
    assert again.endswith('{% translate "自测词" %}')


def test_plain_pairs_attributes_and_fragments(converter: object) -> None:
    src = (
        '<th>收样号 Receipt</th><a title="查看详情 Details">x</a>'
        "<p>签字 Sign as {{ step }}</p>"
        "<td>合格 pass ({{ c }})</td>"
        '<a href="#">‹ 较新 newer</a>'
    )
    out, conv = convert(converter, src)
    assert '<th>{% translate "收样号" %}</th>' in out
    assert 'title="{% translate "查看详情" %}"' in out
    assert '‹ {% translate "较新" %}</a>' in out
    # next to a variable or cut at an open bracket: left for a person, and reported
    assert "<p>签字 Sign as {{ step }}</p>" in out
    assert "<td>合格 pass ({{ c }})</td>" in out
    assert len(conv.skipped) == 2


def test_convert_is_idempotent(converter: object) -> None:
    src = '{% extends "b.html" %}<h1><span class="bi"><span lang="zh">标题</span><span lang="en">Title</span></span></h1>'
    once, _ = convert(converter, src)
    twice, conv = convert(converter, once)
    assert twice == once and conv.pairs == []


def test_converted_template_renders_both_languages(converter: object) -> None:
    from django.utils import translation

    # 日志为空 is in the committed ledger catalogue as "The log is empty."
    pair = '<span class="bi"><span lang="zh">日志为空</span><span lang="en">The log is empty.</span></span>'
    out, _ = convert(converter, pair)
    template = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(out)
    with translation.override("en"):
        assert template.render(Context()).strip() == "The log is empty."
    with translation.override("zh-hans"):
        assert template.render(Context()).strip() == "日志为空"


def test_python_uses_follow_import_aliases(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "from django.utils.translation import gettext_lazy as L, pgettext\n"
        "from django.utils import translation\n"
        "A = L('甲')\nB = pgettext('ctx', '乙')\nC = translation.gettext('丙')\nD = other('丁')\n",
        encoding="utf-8",
    )
    uses = [(u.msgid, u.context, u.line) for u in i18n.python_uses(f)]
    assert sorted(uses) == [("丙", None, 5), ("乙", "ctx", 4), ("甲", None, 3)]
