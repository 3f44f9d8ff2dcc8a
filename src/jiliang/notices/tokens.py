"""Unsubscribe links: a signed (user, kind) that works without logging in.

Signed with the site's secret key (django.core.signing), so a tampered or forged token is
refused; it carries no expiry, because an old e-mail's link must still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from jiliang.notices.models import Kind

SALT = "jiliang.notices.unsubscribe"
ALL = "*"  # every kind: no e-mail at all


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str  # a Kind value, or ALL


def make(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT, compress=True)


def read(token: str) -> Unsubscribe:
    """The request a token carries; ValueError with the reason when it is not ours."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise ValueError("the link is damaged or was not issued by this site") from None
    if not isinstance(data, dict):
        raise ValueError("the link is damaged or was not issued by this site")
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or kind not in {*Kind.values, ALL}:
        raise ValueError("the link names no user or no kind of notice")
    return Unsubscribe(user_id, kind)
