"""Login throttling: django-axes' backend, for logins that come with a request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottle(AxesStandaloneBackend):  # type: ignore[misc]
    """Refuses a login while its username+address is locked out; authenticates nobody itself.

    Why a request is optional here: every login over the network (the login page, the admin)
    passes its request, and axes counts it. A call without one comes from code on the server
    (a management command, a test client's `login`) and has no address to throttle, so it is
    left to the next backend instead of failing as axes' own backend would.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        return None
