"""The platform runs offline: no page, template or static file refers to an outside host.

Allowed outside URLs, each with its reason (none is fetched by a browser):
- XML namespace and schema identifiers (W3C, PTB DCC, BIPM SI): names, not locations.
Third-party bundles served as they ship (plotly.min.js from the plotly package, ninja's
Swagger UI) hold URLs of optional features (map tiles, the Swagger validator badge) that our
pages do not use: test_browser_offline.py proves in Chromium, with every outside request
aborted and recorded, that the home charts and /api/docs make none.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import jiliang

ROOT = Path(jiliang.__file__).parent
URL = re.compile(r"(?:https?:)?//([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost|127\.0\.0\.1)(?::\d+)?")
LOCAL = {"localhost", "127.0.0.1", "testserver"}
ALLOWED_PREFIXES = (  # identifiers, never fetched
    "http://www.w3.org/",
    "https://www.w3.org/",
    "https://ptb.de/dcc",
    "https://ptb.de/si",
    "http://ptb.de/dcc",
    "http://ptb.de/si",
)


def outside_urls(text: str) -> list[str]:
    found = []
    for match in URL.finditer(text):
        url = text[match.start() : match.start() + 120].split('"')[0].split("'")[0]
        host = match.group(1)
        if host in LOCAL or url.startswith(ALLOWED_PREFIXES):
            continue
        if not url.startswith(("http:", "https:")) and text[match.start() - 1 : match.start()] in (
            "/",
            ":",
        ):
            continue  # part of a longer path, not a protocol-relative URL
        found.append(url)
    return found


def _shipped_files() -> list[Path]:
    roots = [ROOT / "templates", ROOT / "static", *ROOT.glob("*/templates"), *ROOT.glob("*/static")]
    suffixes = {".html", ".css", ".js", ".txt", ".svg"}
    return sorted(p for r in roots for p in r.rglob("*") if p.suffix in suffixes and p.is_file())


def test_the_detector_finds_outside_hosts() -> None:
    assert outside_urls('<script src="https://cdn.example.invalid/x.js">') == [
        "https://cdn.example.invalid/x.js"
    ]
    assert outside_urls('<link href="//fonts.example.invalid/css">') == [
        "//fonts.example.invalid/css"
    ]
    assert outside_urls('<a href="http://127.0.0.1:8000/">') == []
    assert outside_urls('xmlns:dcc="https://ptb.de/dcc"') == []


def test_no_template_or_static_file_names_an_outside_host() -> None:
    files = _shipped_files()
    assert len(files) > 50  # templates of every app and the stylesheets
    problems = [
        f"{p.relative_to(ROOT)}: {url}"
        for p in files
        for url in outside_urls(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert problems == []


@pytest.mark.parametrize("role", [None, "market", "zibo_lab", "reg_zibo", "admin"])
def test_rendered_pages_name_no_outside_host(client_as: Any, world: Any, role: str | None) -> None:
    client = client_as(role)
    paths = ["/", "/api/docs", "/check/", "/institutions/", "/standards/", "/catalogue/"]
    paths += [f"/standards/{world.e2.pk}/", "/search/?q=ZB"]
    if role is not None:
        paths += [
            "/instruments/",
            "/certificates/",
            "/due/",
            f"/certificates/{world.cert_scale.pk}/",
        ]
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            continue  # a page this role may not open: nothing rendered to scan
        assert outside_urls(response.content.decode()) == [], (role, path)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "http" not in csp, (path, csp)
