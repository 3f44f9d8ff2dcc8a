"""Menu entries this app adds to the grouped navigation (jiliang.navigation reads MENU).

Each entry: group (a group id of jiliang.navigation), label (Chinese msgid, translated),
url (a URL name), audience (who sees it: anonymous, user, lab, enterprise, regulator, admin),
order (position inside the group).
"""

from __future__ import annotations

from typing import Any

MENU: list[dict[str, Any]] = [
    {
        "group": "supervision",
        "label": "能耗在线监测",
        "url": "monitoring:index",
        "audience": ["enterprise", "admin"],
        "order": 20,
    },
    {
        "group": "supervision",
        "label": "重点用能单位（本地区）",
        "url": "monitoring:region",
        "audience": ["regulator", "admin"],
        "order": 21,
    },
]
