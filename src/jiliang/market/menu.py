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
        "label": "市场计量监督",
        "url": "market:index",
        "audience": ["regulator", "admin"],
        "order": 10,
    },
    {
        "group": "supervision",
        "label": "定量包装商品检验",
        "url": "market:prepack",
        "audience": ["regulator", "admin"],
        "order": 11,
    },
    {
        "group": "public",
        "label": "检查结果公开",
        "url": "market:public_results",
        "audience": ["anonymous", "user"],
        "order": 30,
    },
    {
        "group": "public",
        "label": "诚信计量示范单位名单",
        "url": "market:model_units",
        "audience": ["anonymous", "user"],
        "order": 31,
    },
    {
        "group": "public",
        "label": "计量投诉",
        "url": "market:complaint",
        "audience": ["anonymous", "user"],
        "order": 32,
    },
]
