"""The grouped, role-shaped navigation (NetBox-style menus): who sees which page, by task.

Entries come from two places: the registry's and the older apps' pages, listed here
(`CORE_MENU`), and each app's own `menu.py` `MENU` list (schema in docs/ui.md). A user's
audience decides what it sees: a market (enterprise) sees its instruments, due list,
certificates and jobs, not taximeter campaigns, comparisons or lots.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import get_language, gettext, gettext_lazy

log = logging.getLogger(__name__)

# The groups in menu order. Their labels are Chinese msgids (dashboards' catalogue).
GROUPS: dict[str, Any] = {
    "registry": gettext_lazy("登记"),
    "work": gettext_lazy("检定校准"),
    "supervision": gettext_lazy("监督管理"),
    "services": gettext_lazy("服务"),
    "public": gettext_lazy("公众查询"),
    "trust": gettext_lazy("可信记录"),
}
AUDIENCES = frozenset({"anonymous", "user", "lab", "enterprise", "regulator", "admin"})
EVERYONE = ["anonymous", "user"]
# An administrator sees what every logged-in user sees plus the entries naming "admin": each
# app decides whether its laboratory/owner/regulator pages are for administrators too.
_ADMIN_SEES = frozenset({"user", "admin"})

# Pages of the registry and of the apps that came before menu.py (their URL names).
CORE_MENU: list[dict[str, Any]] = [
    # registers: public ones first, then the user's own records
    {"group": "registry", "label": "计量器具", "url": "registry:instruments", "audience": ["user"], "order": 10},
    {"group": "registry", "label": "证书", "url": "registry:certificates", "audience": ["user"], "order": 20},
    {"group": "registry", "label": "机构名录", "url": "registry:institutions", "audience": EVERYONE, "order": 30},
    {"group": "registry", "label": "计量标准", "url": "registry:standards", "audience": EVERYONE, "order": 40},
    {"group": "registry", "label": "标准物质", "url": "registry:materials", "audience": EVERYONE, "order": 50},
    {"group": "registry", "label": "注册计量师", "url": "registry:people", "audience": ["user"], "order": 60},
    {"group": "registry", "label": "强检目录", "url": "registry:catalogue", "audience": EVERYONE, "order": 70},
    {"group": "registry", "label": "检定系统表", "url": "registry:schemes", "audience": EVERYONE, "order": 80},
    # daily work of laboratories and owners
    {"group": "work", "label": "到期与超期", "url": "registry:due", "audience": ["user"], "order": 10},
    {"group": "work", "label": "我的送检", "url": "portal:jobs", "audience": ["lab", "enterprise"], "order": 20},
    {"group": "work", "label": "检定/校准任务", "url": "calibration:jobs", "audience": ["lab", "admin"], "order": 30},
    {"group": "work", "label": "客户关系", "url": "registry:customers", "audience": ["lab", "admin"], "order": 40},
    {"group": "work", "label": "校准间隔", "url": "intervals:list", "audience": ["lab", "enterprise", "admin"], "order": 50},
    {"group": "work", "label": "导入", "url": "registry:import", "audience": ["lab", "enterprise", "admin"], "order": 60},
    # regulators' supervision
    {"group": "supervision", "label": "量值比对", "url": "comparisons:list", "audience": ["lab", "regulator", "admin"], "order": 10},
    {"group": "supervision", "label": "电能表批次", "url": "lots:list", "audience": ["lab", "regulator", "admin"], "order": 20},
    {"group": "supervision", "label": "出租车计价器", "url": "taximeters:home", "audience": ["regulator", "admin"], "order": 30},
    # anyone
    {"group": "public", "label": "证书查验", "url": "check", "audience": EVERYONE, "order": 10},
    {"group": "public", "label": "延期公示", "url": "lots:notice", "audience": EVERYONE, "order": 20},
    {"group": "public", "label": "接口文档", "url": "/api/docs", "audience": EVERYONE, "order": 90},
    {"group": "trust", "label": "可信日志", "url": "ledger:browser", "audience": EVERYONE, "order": 10},
]  # fmt: skip


@dataclass(frozen=True)
class Entry:
    label: str
    url: str
    active: bool


@dataclass
class Group:
    key: str
    label: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(e.active for e in self.entries)


def audience_of(user: Any) -> frozenset[str]:
    """anonymous, or user plus lab / enterprise / regulator / admin as the account is."""
    if user is None or not user.is_authenticated:
        return frozenset({"anonymous"})
    if user.is_superuser or getattr(user, "role", "") == "admin":
        return _ADMIN_SEES
    found = {"user"}
    institution = user.institution if getattr(user, "institution_id", None) else None
    if getattr(user, "role", "") == "regulator" or (
        institution is not None and institution.kind == "regulator"
    ):
        found.add("regulator")
    elif institution is not None and institution.is_lab:
        found.add("lab")
    elif institution is not None and institution.kind == "enterprise":
        found.add("enterprise")
    return frozenset(found)


def entry_problems(entry: dict[str, Any]) -> list[str]:
    """What is wrong with one MENU entry (empty: nothing)."""
    problems = []
    if entry.get("group") not in GROUPS:
        problems.append(f"group {entry.get('group')!r} is not one of {', '.join(GROUPS)}")
    if not isinstance(entry.get("label"), str) or not entry.get("label"):
        problems.append("label must be a non-empty Chinese msgid")
    if not isinstance(entry.get("url"), str) or not entry.get("url"):
        problems.append("url must be a URL name or a path starting with /")
    audience = entry.get("audience")
    if not isinstance(audience, list) or not audience or not set(audience) <= AUDIENCES:
        problems.append(f"audience must be a non-empty list of {', '.join(sorted(AUDIENCES))}")
    if not isinstance(entry.get("order", 0), int):
        problems.append("order must be an integer")
    return problems


@cache
def all_entries() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(source, entry) of the core list and every installed jiliang app's menu.py."""
    found: list[tuple[str, dict[str, Any]]] = [("jiliang.navigation", e) for e in CORE_MENU]
    for config in apps.get_app_configs():
        if not config.name.startswith("jiliang."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.menu")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.menu":
                raise
            continue
        found += [(module.__name__, e) for e in getattr(module, "MENU", [])]
    return tuple(found)


def _href(url: str) -> str | None:
    if url.startswith("/"):
        return url
    try:
        return reverse(url)
    except NoReverseMatch:
        log.warning("menu entry %s: no URL of that name", url)
        return None


def menu_for(user: Any, path: str = "") -> list[Group]:
    """The groups and entries `user` sees, in order; `path` marks the current page's entry."""
    chosen = _chosen(audience_of(user), get_language() or "", get_script_prefix())
    groups = {key: Group(key, str(label)) for key, label in GROUPS.items()}
    # The current page belongs to the entry with the longest matching href ("/" only for "/").
    matches = [c[3] for c in chosen if path == c[3] or (c[3] != "/" and path.startswith(c[3]))]
    current = max(matches, key=len, default=None)
    for group, _order, label, href in chosen:
        groups[group].entries.append(Entry(label, href, href == current))
    return [g for g in groups.values() if g.entries]


@lru_cache(maxsize=256)
def _chosen(
    audience: frozenset[str], language: str, prefix: str
) -> tuple[tuple[str, int, str, str], ...]:
    """(group, order, label, href) of what an audience sees, in order: checked, reversed and
    translated once per audience, language and script prefix, not on every page (it was a
    third of an empty page's time)."""
    chosen: list[tuple[str, int, str, str]] = []
    for source, entry in all_entries():
        problems = entry_problems(entry)
        if problems:
            log.warning("menu entry of %s skipped: %s", source, "; ".join(problems))
            continue
        if not audience & set(entry["audience"]):
            continue
        href = _href(entry["url"])
        if href is not None:
            chosen.append((entry["group"], entry.get("order", 100), gettext(entry["label"]), href))
    chosen.sort(key=lambda c: (c[1], c[2]))
    return tuple(chosen)
