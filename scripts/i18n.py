#!/usr/bin/env python
"""Translation tooling for jiliang: convert, extract, compile, check.

The source language is Simplified Chinese (msgids are Chinese); every app has an English
catalogue ``src/jiliang/<app>/locale/en/LC_MESSAGES/django.po`` and project templates use
``src/jiliang/locale/en/LC_MESSAGES/django.po``.  Django merges all catalogues at run time, so a
msgid is translated when *any* English catalogue carries it.

    python scripts/i18n.py convert [--dry-run] [--no-plain] PATHS...
        Rewrite bilingual pairs in templates into {% translate %} / {% blocktranslate %} and
        record each (Chinese -> English) pair in the right catalogue.  Idempotent.
    python scripts/i18n.py extract [--add] [PATHS...]
        List msgids used in templates (Django's Lexer) and Python (ast) that no English
        catalogue translates.  --add writes them, untranslated, into the right catalogue.
    python scripts/i18n.py compile
        .po -> .mo for every catalogue with polib (no msgfmt needed).
    python scripts/i18n.py check
        Fail (exit 1) on a stale .mo, an empty or fuzzy English msgstr, a msgstr whose
        %(name)s placeholders differ from its msgid, or a used msgid without translation.

No xgettext is needed.  Nothing here imports the project's settings; only django.template's
Lexer (pure) is used.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "jiliang"
PROJECT_TEMPLATES = SRC / "templates"
PROJECT_LOCALE = SRC / "locale"
LANGUAGE = "en"

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
HAS_CJK = re.compile(f"[{CJK}]")

# ---------------------------------------------------------------------------------------------
# Catalogues
# ---------------------------------------------------------------------------------------------


def app_names() -> set[str]:
    """Django apps of the project: folders of src/jiliang holding an apps.py."""
    return {p.parent.name for p in SRC.glob("*/apps.py")}


def catalogue_for(path: Path, language: str = LANGUAGE) -> Path:
    """The .po file that owns the msgids of a template or Python file."""
    rel = path.resolve().relative_to(SRC)
    apps = app_names()
    parts = rel.parts
    if parts[0] == "templates":
        # src/jiliang/templates/<app>/... -> the app's catalogue when <app> is an app
        app = parts[1] if len(parts) > 2 and parts[1] in apps else None
    else:
        app = parts[0] if parts[0] in apps else None
    base = SRC / app / "locale" if app else PROJECT_LOCALE
    return base / language / "LC_MESSAGES" / "django.po"


def all_catalogues(language: str | None = LANGUAGE) -> list[Path]:
    """Every django.po under src/jiliang (one language, or all when language is None)."""
    pattern = f"**/locale/{language or '*'}/LC_MESSAGES/django.po"
    return sorted(p for p in SRC.glob(pattern) if ".venv" not in p.parts)


def load_po(path: Path, language: str = LANGUAGE) -> polib.POFile:
    """Open a catalogue, creating an empty one with a proper UTF-8 header."""
    if path.exists():
        return polib.pofile(str(path), wrapwidth=0)
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "jiliang",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    return po


def save_po(po: polib.POFile, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))


class Catalogues:
    """All English catalogues in memory; Django merges them, so lookups are global."""

    def __init__(self, language: str = LANGUAGE) -> None:
        self.language = language
        self.files: dict[Path, polib.POFile] = {
            p: load_po(p, language) for p in all_catalogues(language)
        }
        self.dirty: set[Path] = set()

    def po(self, path: Path) -> polib.POFile:
        if path not in self.files:
            self.files[path] = load_po(path, self.language)
        return self.files[path]

    def lookup(self, msgid: str, context: str | None = None) -> list[polib.POEntry]:
        return [
            e
            for po in self.files.values()
            for e in po
            if not e.obsolete and e.msgid == msgid and (e.msgctxt or None) == context
        ]

    def contexts(self, msgid: str) -> dict[str | None, str]:
        """Every context under which msgid is catalogued, with its English."""
        out: dict[str | None, str] = {}
        for po in self.files.values():
            for e in po:
                if not e.obsolete and e.msgid == msgid and e.msgstr:
                    out.setdefault(e.msgctxt or None, e.msgstr)
        return out

    def add(
        self,
        target: Path,
        msgid: str,
        msgstr: str,
        context: str | None,
        where: str,
    ) -> None:
        po = self.po(target)
        entry = po.find(msgid, msgctxt=context) if context else _find_plain(po, msgid)
        if entry is None:
            entry = polib.POEntry(msgid=msgid, msgstr=msgstr, msgctxt=context)
            if "%(" in msgid:
                entry.flags.append("python-format")
            po.append(entry)
        elif not entry.msgstr:
            entry.msgstr = msgstr
        if where and where not in {f"{f}:{n}" for f, n in entry.occurrences}:
            file, _, line = where.rpartition(":")
            entry.occurrences.append((file, line))
        self.dirty.add(target)

    def save(self) -> None:
        for path in sorted(self.dirty):
            save_po(self.files[path], path)
        self.dirty.clear()


def _find_plain(po: polib.POFile, msgid: str) -> polib.POEntry | None:
    for e in po:
        if e.msgid == msgid and not e.msgctxt and not e.obsolete:
            return e
    return None


# ---------------------------------------------------------------------------------------------
# convert
# ---------------------------------------------------------------------------------------------

BI_SPAN = re.compile(
    r'<span class="bi">\s*<span lang="zh">(?P<zh>.*?)</span>\s*'
    r'<span lang="en">(?P<en>.*?)</span>\s*</span>',
    re.S,
)
# a template token, an HTML comment, a <script>/<style> element or an HTML tag
TOKEN = re.compile(
    r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<!--.*?-->"
    r"|<(script|style)\b.*?</\1\s*>"
    r"|<(?:[^>{]|\{[%{#].*?[%}#]\}|\{)*>",
    re.S,
)
# "中文 English" — a Chinese part (no Latin letters) then an English part (no CJK)
PLAIN_PAIR = re.compile(
    rf"^(?P<lead>\s*(?:[←‹«]\s*)?)(?P<zh>[^A-Za-z<>{{}}]*[{CJK}][^A-Za-z<>{{}}]*?)\s*(?:[·/|]\s*)?"
    rf"(?P<en>[A-Za-z][^{CJK}<>{{}}]*?)(?P<trail>\s*(?:[→›»]\s*)?)$",
    re.S,
)
ATTRIBUTE = re.compile(r'(?P<pre>\b(?:title|placeholder|aria-label|alt)=")(?P<value>[^"{}]*)"')
VARIABLE = re.compile(r"\{\{\s*(?P<expr>[^{}]+?)\s*\}\}")
INLINE = r"(?:a|code|strong|em|small|b|i|abbr|sub|sup|kbd|var|bdi|span|time)\b"
INLINE_OPEN = re.compile(f"<{INLINE}")
INLINE_CLOSE = re.compile(f"</{INLINE}")
EXTENDS = re.compile(r"\{%\s*extends\s.*?%\}")
LOAD_I18N = re.compile(r"\{%\s*load\s[^%]*\bi18n\b[^%]*%\}")


@dataclass
class Conversion:
    """What converting one template did, for the report."""

    path: Path
    pairs: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _literal(text: str) -> str:
    """A Django template string literal for text (quotes chosen to avoid escaping)."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    raise ValueError("text holds both quote kinds")


def _balanced(text: str) -> bool:
    """Brackets open and close within text (a run cut off mid-parenthesis is a fragment)."""
    pairs = {"(": ")", "（": "）", "[": "]", "“": "”"}
    stack: list[str] = []
    for ch in text:
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in pairs.values() and (not stack or stack.pop() != ch):
            return False
    return not stack


def _var_name(expr: str, taken: dict[str, str]) -> str:
    base = re.sub(r"\W+", "_", expr.split("|")[0].split(".")[-1]).strip("_") or "value"
    name, n = base, 2
    while name in taken and taken[name] != expr:
        name, n = f"{base}{n}", n + 1
    return name


class Converter:
    """Rewrites bilingual text in templates; catalogue writes are collected in cats."""

    def __init__(self, cats: Catalogues, plain: bool = True) -> None:
        self.cats = cats
        self.plain = plain

    def choose_context(self, zh: str, en: str, template: str) -> str | None:
        """None when zh is free or already means en; else a context naming the template."""
        known = self.cats.contexts(zh)
        if known.get(None, en) == en:
            return None
        for ctx, english in known.items():
            if ctx and english == en:
                return ctx
        ctx, n = template, 2
        while known.get(ctx, en) != en:
            ctx, n = f"{template} {n}", n + 1
        return ctx

    def translate_tag(self, zh: str, en: str, conv: Conversion, line: int) -> str | None:
        """The template code replacing one pair, or None when it must stay (reported)."""
        zh_s, en_s = zh.strip(), en.strip()
        if not zh_s or not en_s:
            return None
        template = self.template_name(conv.path)
        target = catalogue_for(conv.path)
        if "{%" in zh_s or "{%" in en_s or "{#" in zh_s:
            conv.skipped.append((line, f"template tag inside the pair: {zh_s!r}"))
            return None
        if "{{" not in zh_s and "{{" not in en_s:
            try:
                literal = _literal(zh_s)
            except ValueError:
                conv.skipped.append((line, f"both quote kinds: {zh_s!r}"))
                return None
            ctx = self.choose_context(zh_s, en_s, template)
            self.cats.add(target, zh_s, en_s, ctx, f"{self.rel(conv.path)}:{line}")
            conv.pairs.append((line, zh_s, en_s, ctx))
            if ctx:
                return f"{{% translate {literal} context {_literal(ctx)} %}}"
            return f"{{% translate {literal} %}}"
        # variables: {% blocktranslate with name=expr %}…{{ name }}…{% endblocktranslate %}
        names: dict[str, str] = {}
        by_expr: dict[str, str] = {}

        def bind(m: re.Match[str]) -> str:
            expr = m.group("expr")
            if expr not in by_expr:
                name = _var_name(expr, names)
                names[name] = expr
                by_expr[expr] = name
            return "{{ " + by_expr[expr] + " }}"

        zh_b = VARIABLE.sub(bind, zh_s)
        zh_exprs = set(by_expr)
        en_b = VARIABLE.sub(bind, en_s)
        if set(by_expr) != zh_exprs:
            conv.skipped.append((line, f"English uses other variables than Chinese: {zh_s!r}"))
            return None

        def msg(text: str) -> str:
            return VARIABLE.sub(lambda m: f"%({m.group('expr')})s", text.replace("%", "%%"))

        msgid, msgstr = msg(zh_b), msg(en_b)
        ctx = self.choose_context(msgid, msgstr, template)
        self.cats.add(target, msgid, msgstr, ctx, f"{self.rel(conv.path)}:{line}")
        conv.pairs.append((line, msgid, msgstr, ctx))
        bindings = " ".join(f"{name}={expr}" for name, expr in names.items() if name != expr)
        head = "blocktranslate"
        if ctx:
            head += f" context {_literal(ctx)}"
        if bindings:
            head += f" with {bindings}"
        return f"{{% {head} %}}{zh_b}{{% endblocktranslate %}}"

    @staticmethod
    def rel(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(ROOT))
        except ValueError:
            return str(path)

    @staticmethod
    def template_name(path: Path) -> str:
        parts = path.resolve().parts
        if "templates" in parts:
            i = len(parts) - 1 - parts[::-1].index("templates")
            return "/".join(parts[i + 1 :]).removesuffix(".html")
        return path.stem

    def convert_text(self, text: str, conv: Conversion) -> str:
        def line_of(pos: int) -> int:
            return text.count("\n", 0, pos) + 1

        def bi(m: re.Match[str]) -> str:
            new = self.translate_tag(m.group("zh"), m.group("en"), conv, line_of(m.start()))
            return m.group(0) if new is None else new

        text = BI_SPAN.sub(bi, text)
        if self.plain:
            text = self.convert_plain(text, conv)
        if (conv.pairs) and not LOAD_I18N.search(text):
            ext = EXTENDS.search(text)
            if ext and not text[: ext.start()].strip():
                text = text[: ext.end()] + "{% load i18n %}" + text[ext.end() :]
            else:
                text = "{% load i18n %}\n" + text
        return text

    def convert_plain(self, text: str, conv: Conversion) -> str:
        out: list[str] = []
        pos = 0
        prev = ""
        inside_block = False  # text of a {% blocktranslate %} is already translated
        for m in TOKEN.finditer(text):
            token = m.group(0)
            line = text.count("\n", 0, pos) + 1
            run = text[pos : m.start()]
            out.append(run if inside_block else self.plain_run(run, conv, line, prev, token))
            if re.match(r"\{%\s*blocktrans(late)?\b", token):
                inside_block = True
            elif re.match(r"\{%\s*endblocktrans(late)?\b", token):
                inside_block = False
            if token.startswith("<") and not token.startswith(("<!--", "<script", "<style")):
                token = self.plain_attributes(token, conv, text.count("\n", 0, m.start()) + 1)
            out.append(token)
            prev = token
            pos = m.end()
        out.append(self.plain_run(text[pos:], conv, text.count("\n", 0, pos) + 1, prev, ""))
        return "".join(out)

    def plain_run(self, run: str, conv: Conversion, line: int, prev: str, after: str) -> str:
        """Convert a text run that is a whole "中文 English" pair, not a sentence fragment.

        A run next to a {{ variable }} or to inline markup (</code> before it, <a> after it)
        is part of a longer sentence; it is reported and left for a hand conversion.
        """
        if not HAS_CJK.search(run):
            return run
        m = PLAIN_PAIR.match(run)
        if not m:
            conv.skipped.append((line, f"mixed text left as is: {run.strip()[:60]!r}"))
            return run
        fragment = (
            prev.startswith("{{")
            or after.startswith("{{")
            or INLINE_CLOSE.match(prev) is not None
            or INLINE_OPEN.match(after) is not None
            or not (_balanced(m.group("zh")) and _balanced(m.group("en")))
        )
        if fragment:
            conv.skipped.append((line, f"part of a sentence, left as is: {run.strip()[:60]!r}"))
            return run
        new = self.translate_tag(m.group("zh"), m.group("en"), conv, line)
        if new is None:
            return run
        return m.group("lead") + new + m.group("trail")

    def plain_attributes(self, tag: str, conv: Conversion, line: int) -> str:
        def attr(m: re.Match[str]) -> str:
            value = m.group("value")
            pair = PLAIN_PAIR.match(value)
            if not pair or not HAS_CJK.search(value):
                return m.group(0)
            new = self.translate_tag(pair.group("zh"), pair.group("en"), conv, line)
            return m.group(0) if new is None else f'{m.group("pre")}{new}"'

        return ATTRIBUTE.sub(attr, tag)


def iter_templates(paths: Iterable[str]) -> Iterator[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(p.rglob("*.html"))
        elif p.suffix in {".html", ".txt"}:
            yield p


def cmd_convert(args: argparse.Namespace) -> int:
    cats = Catalogues()
    converter = Converter(cats, plain=not args.no_plain)
    changed = 0
    for path in iter_templates(args.paths):
        conv = Conversion(path)
        before = path.read_text(encoding="utf-8")
        after = converter.convert_text(before, conv)
        for line, zh, en, ctx in conv.pairs:
            note = f"  [context {ctx}]" if ctx else ""
            print(f"{converter.rel(path)}:{line}: {zh} -> {en}{note}")
        for line, why in conv.skipped:
            print(f"{converter.rel(path)}:{line}: SKIPPED {why}", file=sys.stderr)
        if after != before:
            changed += 1
            if not args.dry_run:
                path.write_text(after, encoding="utf-8")
    if not args.dry_run:
        cats.save()
        compile_all()
    print(f"{changed} template(s) {'would change' if args.dry_run else 'changed'}")
    return 0


# ---------------------------------------------------------------------------------------------
# extract
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """One msgid used in a source file."""

    file: Path
    line: int
    msgid: str
    context: str | None = None
    plural: str | None = None


TRANSLATE_TAG = re.compile(
    r"""^(?:translate|trans)\s+(?P<q>["'])(?P<msg>.*?)(?P=q)"""
    r"""(?:.*?\bcontext\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?""",
    re.S,
)
BLOCK_TAG = re.compile(r"^(?:blocktranslate|blocktrans)\b(?P<rest>.*)$", re.S)
CONTEXT_ARG = re.compile(r"""\bcontext\s+(?P<q>["'])(?P<ctx>.*?)(?P=q)""")
UNDERSCORE_CALL = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<msg>.*?)(?P=q)\s*\)""")


def template_uses(path: Path, text: str | None = None) -> Iterator[Use]:
    """msgids of {% translate %}, {% blocktranslate %} and _("…") in one template.

    The blocktranslate msgid is built as Django's BlockTranslateNode builds it at render time
    (text with % doubled, each variable as %(name)s, `trimmed` joining lines).
    """
    from django.template.base import Lexer, TokenType

    if text is None:
        text = path.read_text(encoding="utf-8")
    tokens = Lexer(text).tokenize()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        contents = tok.contents.strip()
        if tok.token_type in (TokenType.VAR, TokenType.BLOCK):
            for m in UNDERSCORE_CALL.finditer(contents):
                yield Use(path, tok.lineno, m.group("msg"))
        if tok.token_type is TokenType.BLOCK:
            tm = TRANSLATE_TAG.match(contents)
            bm = BLOCK_TAG.match(contents)
            if tm:
                yield Use(path, tok.lineno, tm.group("msg"), tm.group("ctx"))
            elif bm:
                rest = bm.group("rest")
                cm = CONTEXT_ARG.search(rest)
                trimmed = re.search(r"\btrimmed\b", rest) is not None
                singular: list[str] = []
                plural: list[str] = []
                current = singular
                j = i + 1
                while j < len(tokens):
                    t = tokens[j]
                    if t.token_type is TokenType.BLOCK and t.contents.strip().startswith(
                        ("endblocktranslate", "endblocktrans")
                    ):
                        break
                    if t.token_type is TokenType.BLOCK and t.contents.strip() == "plural":
                        current = plural
                    elif t.token_type is TokenType.TEXT:
                        current.append(t.contents.replace("%", "%%"))
                    elif t.token_type is TokenType.VAR:
                        current.append(f"%({t.contents.strip()})s")
                    j += 1

                def join(parts: list[str], trimmed: bool = trimmed) -> str:
                    s = "".join(parts)
                    if trimmed:
                        s = " ".join(x.strip() for x in s.strip().splitlines() if x.strip())
                    return s

                yield Use(
                    path,
                    tok.lineno,
                    join(singular),
                    cm.group("ctx") if cm else None,
                    join(plural) if plural else None,
                )
                i = j
        i += 1


GETTEXT_FUNCS = {
    "gettext": (0, None, None),
    "gettext_lazy": (0, None, None),
    "gettext_noop": (0, None, None),
    "ngettext": (0, None, 1),
    "ngettext_lazy": (0, None, 1),
    "pgettext": (1, 0, None),
    "pgettext_lazy": (1, 0, None),
    "npgettext": (1, 0, 2),
    "npgettext_lazy": (1, 0, 2),
}


def python_uses(path: Path) -> Iterator[Use]:
    """msgids passed as literals to django.utils.translation functions (any alias)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for a in node.names:
                if a.name in GETTEXT_FUNCS:
                    aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module == "django.utils":
            modules.update(a.asname or a.name for a in node.names if a.name == "translation")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = None
        if isinstance(func, ast.Name) and func.id in aliases:
            name = aliases[func.id]
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in GETTEXT_FUNCS
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        ):
            name = func.attr
        if name is None:
            continue
        msg_i, ctx_i, plural_i = GETTEXT_FUNCS[name]

        def literal(i: int | None, args: list[ast.expr] = node.args) -> str | None:
            if i is None or i >= len(args):
                return None
            a = args[i]
            return a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None

        msgid = literal(msg_i)
        if msgid is None:
            continue
        yield Use(path, node.lineno, msgid, literal(ctx_i), literal(plural_i))


def source_files(paths: Iterable[str] = ()) -> Iterator[Path]:
    roots = [Path(p) for p in paths] or [SRC]
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for f in files:
            if "migrations" in f.parts or "__pycache__" in f.parts:
                continue
            if (f.suffix in {".html", ".txt"} and "templates" in f.parts) or f.suffix == ".py":
                yield f


def all_uses(paths: Iterable[str] = ()) -> list[Use]:
    uses: list[Use] = []
    for f in source_files(paths):
        uses.extend(template_uses(f) if f.suffix in {".html", ".txt"} else python_uses(f))
    return uses


def translated_keys(language: str = LANGUAGE) -> set[tuple[str | None, str]]:
    """(context, msgid) of every entry some catalogue translates (non-empty, not fuzzy)."""
    keys: set[tuple[str | None, str]] = set()
    for path in all_catalogues(language):
        for e in load_po(path, language):
            if e.obsolete or "fuzzy" in e.flags:
                continue
            ok = all(e.msgstr_plural.values()) if e.msgid_plural else bool(e.msgstr)
            if ok:
                keys.add((e.msgctxt or None, e.msgid))
    return keys


def missing(paths: Iterable[str] = (), language: str = LANGUAGE) -> list[Use]:
    keys = translated_keys(language)
    return [u for u in all_uses(paths) if (u.context, u.msgid) not in keys]


def describe(u: Use) -> str:
    try:
        where = u.file.resolve().relative_to(ROOT)
    except ValueError:
        where = u.file
    ctx = f" [context {u.context}]" if u.context else ""
    return f"{where}:{u.line}: {u.msgid!r}{ctx}"


def cmd_extract(args: argparse.Namespace) -> int:
    gaps = missing(args.paths)
    for u in gaps:
        print(describe(u))
    if args.add and gaps:
        cats = Catalogues()
        for u in gaps:
            target = catalogue_for(u.file)
            po = cats.po(target)
            entry = po.find(u.msgid, msgctxt=u.context) if u.context else _find_plain(po, u.msgid)
            if entry is None:
                entry = polib.POEntry(msgid=u.msgid, msgstr="", msgctxt=u.context)
                if u.plural:
                    entry.msgid_plural = u.plural
                    entry.msgstr_plural = {0: "", 1: ""}
                if "%(" in u.msgid:
                    entry.flags.append("python-format")
                po.append(entry)
            entry.occurrences.append((Converter.rel(u.file), str(u.line)))
            cats.dirty.add(target)
        cats.save()
        print(f"added {len(gaps)} use(s); fill in the msgstr, then run compile", file=sys.stderr)
    print(f"{len(gaps)} msgid use(s) without an English translation", file=sys.stderr)
    return 1 if gaps else 0


# ---------------------------------------------------------------------------------------------
# compile / check
# ---------------------------------------------------------------------------------------------


def mo_bytes(po_path: Path) -> bytes:
    return bytes(polib.pofile(str(po_path)).to_binary())


def compile_all() -> list[Path]:
    written = []
    for po_path in all_catalogues(None):
        mo_path = po_path.with_suffix(".mo")
        data = mo_bytes(po_path)
        if not mo_path.exists() or mo_path.read_bytes() != data:
            mo_path.write_bytes(data)
            written.append(mo_path)
    return written


def cmd_compile(args: argparse.Namespace) -> int:
    written = compile_all()
    for p in written:
        print(Converter.rel(p))
    print(f"{len(written)} .mo file(s) written, {len(all_catalogues(None))} catalogue(s)")
    return 0


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue_problems(language: str = LANGUAGE) -> list[str]:
    """Stale .mo files, empty/fuzzy msgstrs and placeholder mismatches, as messages."""
    problems = []
    for po_path in all_catalogues(None):
        mo_path = po_path.with_suffix(".mo")
        rel = Converter.rel(po_path)
        if not mo_path.exists() or mo_path.read_bytes() != mo_bytes(po_path):
            problems.append(f"{rel}: .mo missing or stale — run scripts/i18n.py compile")
    for po_path in all_catalogues(language):
        rel = Converter.rel(po_path)
        for e in load_po(po_path, language):
            if e.obsolete:
                continue
            label = f"{rel}:{e.linenum}: {e.msgid!r}"
            strs = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
            if "fuzzy" in e.flags:
                problems.append(f"{label}: fuzzy")
            if not all(strs):
                problems.append(f"{label}: empty msgstr")
                continue
            want = set(PLACEHOLDER.findall(e.msgid))
            for s in strs:
                if set(PLACEHOLDER.findall(s)) != want:
                    problems.append(f"{label}: placeholders differ from the msgid")
    return problems


def _meaning(english: str) -> str:
    """English compared without case and end punctuation ("Pass" and "pass." agree)."""
    return english.strip(" .:;").lower()


def conflicts(language: str = LANGUAGE) -> list[str]:
    """One msgid (and context) with different English in two catalogues.

    Django merges the catalogues and one of them silently wins (the app listed first in
    INSTALLED_APPS), so a page would show another page's meaning.  Give one use a context.
    """
    seen: dict[tuple[str | None, str], tuple[str, Path]] = {}
    out = []
    for po_path in all_catalogues(language):
        for e in load_po(po_path, language):
            if e.obsolete or not e.msgstr:
                continue
            key = (e.msgctxt or None, e.msgid)
            if key in seen and _meaning(seen[key][0]) != _meaning(e.msgstr):
                other, where = seen[key]
                out.append(
                    f"{Converter.rel(po_path)}:{e.linenum}: {e.msgid!r} is {e.msgstr!r} here "
                    f"but {other!r} in {Converter.rel(where)} — add a context to one use"
                )
            seen.setdefault(key, (e.msgstr, po_path))
    return out


def cmd_check(args: argparse.Namespace) -> int:
    problems = catalogue_problems() + conflicts()
    problems += [f"{describe(u)}: no English translation" for u in missing()]
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="i18n.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("convert", help="bilingual template pairs -> {% translate %}")
    p.add_argument("paths", nargs="+")
    p.add_argument("--dry-run", action="store_true", help="print, change nothing")
    p.add_argument("--no-plain", action="store_true", help='only <span class="bi"> pairs')
    p.set_defaults(func=cmd_convert)
    p = sub.add_parser("extract", help="msgids used but not translated")
    p.add_argument("paths", nargs="*")
    p.add_argument("--add", action="store_true", help="add them (empty) to the catalogues")
    p.set_defaults(func=cmd_extract)
    sub.add_parser("compile", help=".po -> .mo").set_defaults(func=cmd_compile)
    sub.add_parser("check", help="fail on anything untranslated or stale").set_defaults(
        func=cmd_check
    )
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
