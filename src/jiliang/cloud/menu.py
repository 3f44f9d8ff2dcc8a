"""Menu entries this app adds to the grouped navigation (jiliang.navigation reads MENU)."""

from __future__ import annotations

from typing import Any

MENU: list[dict[str, Any]] = [
    {
        "group": "services",
        "label": "产业计量云",
        "url": "cloud:search",
        "audience": ["anonymous", "user"],
        "order": 40,
    },
    {
        "group": "services",
        "label": "计量需求",
        "url": "cloud:demands",
        "audience": ["user"],
        "order": 41,
    },
    {
        "group": "public",
        "label": "开放数据",
        "url": "cloud:open",
        "audience": ["anonymous", "user"],
        "order": 60,
    },
    {
        "group": "public",
        "label": "计量统计",
        "url": "cloud:statistics",
        "audience": ["anonymous", "user"],
        "order": 61,
    },
]
