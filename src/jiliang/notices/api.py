"""REST endpoints of the inbox: my notices, mark read, my preferences."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from pydantic import StrictBool, StrictInt

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import MAX_OFFSET, JsonObject
from jiliang.notices import services
from jiliang.notices.models import Kind, Notice

router = Router(tags=["notices"])


class NoticesReadIn(JsonObject):
    ids: list[StrictInt] | None = None  # none: every unread notice; ids only, not true/1.0


class NoticePreferencesIn(JsonObject):
    email: StrictBool
    muted: list[str] = []


def _out(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "subject": notice.subject,
        "period": notice.period,
        "title_zh": notice.title_zh,
        "title_en": notice.title_en,
        "body_zh": notice.body_zh,
        "body_en": notice.body_en,
        "link": notice.link,
        "data": notice.data,
        "created_at": notice.created_at.isoformat(),
        "read": notice.read_at is not None,
        "mail": notice.mail,
    }


def _pref(pref: Any) -> dict[str, Any]:
    return {"email": pref.email, "muted": pref.muted, "kinds": Kind.values}


@router.get("/")
def list_notices(
    request: HttpRequest, unread: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """My notices, newest first, with the unread count."""
    user = api_user(request)
    if not 1 <= limit <= 500 or not 0 <= offset <= MAX_OFFSET:  # bigint on PostgreSQL
        raise HttpError(400, f"limit is 1 to 500 and offset 0 to {MAX_OFFSET}")
    notices = services.inbox(user, unread)
    return {
        "unread": services.unread_count(user),
        "count": notices.count(),
        "items": [_out(n) for n in notices[offset : offset + limit]],
    }


@router.post("/read")
def read(request: HttpRequest, payload: NoticesReadIn) -> dict[str, int]:
    """Mark my notices read (the ids given, or all); others' notices are not touched."""
    user = api_user(request)
    return {"marked": services.mark_read(user, payload.ids), "unread": services.unread_count(user)}


@router.get("/preferences")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    return _pref(services.preference(api_user(request)))


@router.put("/preferences")
def put_preferences(request: HttpRequest, payload: NoticePreferencesIn) -> dict[str, Any]:
    """E-mail on/off and the kinds not e-mailed; the inbox always gets every notice."""
    user = api_user(request)
    try:
        pref = services.set_preference(user, email=payload.email, muted=payload.muted)
    except ValueError as exc:
        raise HttpError(400, f"muted: {exc}") from None
    return _pref(pref)
