"""Menu entries this app adds to the grouped navigation (jiliang.navigation reads MENU).

Each entry: group (a group id of jiliang.navigation), label (Chinese msgid, translated),
url (a URL name), audience (who sees it: anonymous, user, lab, enterprise, regulator, admin),
order (position inside the group).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

MENU: list[dict[str, Any]] = [
    {
        "group": "services",
        "label": gettext_noop("网上办事"),
        "url": "services:home",
        "audience": ["anonymous", "user"],
        "order": 10,
    },
    {
        "group": "services",
        "label": gettext_noop("审批队列"),
        "url": "services:queue",
        # an authority's own open cases (queue.for_regulator): an administrator without a
        # regulator institution has no queue, and the page answers it 403
        "audience": ["regulator"],
        "order": 20,
    },
    {
        "group": "services",
        "label": gettext_noop("强检备案"),
        "url": "services:filing",
        "audience": ["enterprise", "lab", "regulator", "admin"],
        "order": 30,
    },
    {
        "group": "services",
        "label": gettext_noop("型式批准"),
        "url": "services:patterns",
        "audience": ["anonymous", "user"],
        "order": 40,
    },
]
