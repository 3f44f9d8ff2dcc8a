"""The caller's own API tokens over the API: list and revoke (issued on the page or the CLI).

Why no issuing here: a token that could mint tokens would outlive its own expiry and its
revocation; a new token needs the user's password (the page) or the server's shell (the CLI).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from jiliang.accounts.models import ApiToken
from jiliang.bounds import Id

router = Router(tags=["accounts"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: dt.datetime
    expires: dt.datetime
    last_used: dt.datetime | None
    state: str
    revoked_at: dt.datetime | None


def _signed_in(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.is_authenticated:
        raise HttpError(401, "log in or send a bearer token (请登录或提供令牌)")
    return user


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> Any:
    """The caller's tokens, newest first: active, expired and revoked (never the secret)."""
    return ApiToken.objects.filter(user=_signed_in(request)).order_by("-created", "-id")


@router.delete("/tokens/{pk}", response={204: None})
def revoke_token(request: HttpRequest, pk: Id) -> Any:
    """Revoke one of the caller's tokens (the one in use included); 404 for anyone else's."""
    token = ApiToken.objects.filter(user=_signed_in(request), pk=pk).first()
    if token is None:
        raise HttpError(404, f"no token {pk} of yours (没有该令牌)")
    token.revoke()
    return Status(204, None)
