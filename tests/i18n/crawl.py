"""An English-mode crawl with Django's test Client: Chinese text outside data values fails.

The data-value marker (docs/ui.md, "Languages"): text inside a `<bdi>` element, an element
with class `data`, an element that declares `lang="zh…"` itself (not the Chinese half of an
old `<span class="bi">` pair), or `<code>`/`<kbd>`/`<samp>`/`<pre>` (identifiers and records such as
"GJJ(力)0101") is data and may be Chinese.  Everything else must be English.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
DATA_TAGS = {"bdi", "code", "kbd", "samp", "pre"}
SKIP_TAGS = {"script", "style", "template"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/", "/static/", "/media/", "/accounts/logout")


@dataclass
class _Frame:
    tag: str
    data: bool
    bi: bool


class ChineseText(HTMLParser):
    """Collects visible Chinese text and attributes that are not marked as data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Frame] = []
        self.found: list[str] = []
        self.links: list[str] = []

    def _is_data(self) -> bool:
        return any(f.data for f in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        parent_bi = bool(self.stack) and self.stack[-1].bi
        declares_zh = a.get("lang", "").startswith("zh") and not parent_bi
        # the language switch names each language in that language (中文, English)
        declares_zh = declares_zh or (tag == "button" and a.get("name") == "language")
        data = (
            tag in DATA_TAGS or tag in SKIP_TAGS or "data" in a.get("class", "").split()
            or declares_zh
        )  # fmt: skip
        if tag == "a" and "href" in a and "download" not in a:
            self.links.append(a["href"])
        if not data and not self._is_data():
            for name in SHOWN_ATTRIBUTES:
                if CJK.search(a.get(name, "")):
                    self.found.append(f'<{tag} {name}="{a[name][:60]}">')
        if tag not in VOID:
            self.stack.append(_Frame(tag, data, "bi" in a.get("class", "").split()))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if CJK.search(data) and not self._is_data():
            where = "/".join(f.tag for f in self.stack[-3:])
            self.found.append(f"{where}: {data.strip()[:60]!r}")


@dataclass
class CrawlResult:
    visited: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)


def crawl(client: Client, start: str = "/", per_view: int = 3, budget: int = 150) -> CrawlResult:
    """Breadth-first over same-site HTML links; at most per_view URLs of one URL name."""
    client.cookies["django_language"] = "en"
    result = CrawlResult()
    queue: deque[str] = deque([start])
    seen: set[str] = {start}
    per_name: dict[str, int] = {}
    while queue and len(result.visited) < budget:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        result.visited.append(url)
        parser = ChineseText()
        parser.feed(response.content.decode("utf-8", "replace"))
        if parser.found:
            result.problems[url] = parser.found
        for href in parser.links:
            target = _local(href, url)
            if target is None or target in seen:
                continue
            seen.add(target)
            try:
                name = resolve(urlsplit(target).path).view_name
            except Resolver404:
                continue
            if per_name.get(name, 0) >= per_view:
                continue
            per_name[name] = per_name.get(name, 0) + 1
            queue.append(target)
    return result


def _local(href: str, base: str) -> str | None:
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href or href.startswith(("mailto:", "javascript:")):
        return None
    if not parts.path.startswith("/"):
        if parts.path:
            return None  # relative paths: none in our templates
        href = urlsplit(base).path + href  # "?page=2"
    if href.startswith(SKIP_PREFIXES) or re.search(
        r"\.(pdf|xml|sig|csv|xlsx|json|png|zip)\b", href
    ):
        return None
    return href
