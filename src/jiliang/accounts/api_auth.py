"""API authentication: a logged-in session or a bearer token; anonymous reads of public
registers are allowed (each endpoint scopes its queryset with visible_to)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.utils import check_csrf

from jiliang.accounts.middleware import current_user
from jiliang.accounts.models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionOrToken:
    """Never rejects by itself: it resolves the user; scoping decides what they see."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            raw = header.removeprefix("Bearer ").strip()
            token = (
                ApiToken.live()
                .select_related("user__institution")
                .filter(digest=ApiToken.hash(raw))
                .first()
            )
            if token is None or not token.user.is_active:
                return None  # unknown, expired or revoked → 401
            ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
            request.user = token.user
            current_user.set(token.user)
            return token.user
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if request.method not in SAFE_METHODS and check_csrf(request) is not None:
                raise HttpError(403, "CSRF check failed: send the csrftoken header or use a token")
            return user
        request.user = AnonymousUser()
        return request.user


LOGIN_NEEDED = "sign in or send a bearer token"


def api_user(request: HttpRequest, *, anonymous: bool = False) -> Any:
    """The caller SessionOrToken resolved; one function for every API module.

    Private operations (the default) answer 401 with the shared error body to an anonymous
    call, rather than an empty 200 that reads like "you have nothing": issue 13 §6. Public
    registers (institutions, standards, materials, catalogue, schemes, ledger proofs, the
    certificate check) pass `anonymous=True` and get the AnonymousUser, which their
    `visible_to` scopes to the public rows.
    """
    user = getattr(request, "auth", None)
    if getattr(user, "is_authenticated", False):
        return user
    if anonymous:
        return user if user is not None else AnonymousUser()
    raise HttpError(401, LOGIN_NEEDED)
