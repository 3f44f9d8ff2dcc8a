"""What several browser tests do the same way: log in through the page, keep a screenshot
(in /tmp/jiliang-browser, outside the repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOTS = Path("/tmp/jiliang-browser")


def login(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
