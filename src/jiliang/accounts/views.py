"""The user's own API tokens: list, create (the raw secret is shown once, with its expiry),
revoke."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from jiliang.accounts.models import ApiToken


def _lazy_format(text: Any, **values: object) -> Any:
    """A lazy msgid with %(name)s placeholders filled when it is rendered."""
    return lazy(lambda: str(text) % values, str)()


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("名称"))
    days = forms.IntegerField(
        label=_("有效期（天）"),
        min_value=1,
        max_value=ApiToken.MAX_DAYS,
        required=False,
        help_text=_lazy_format(_("默认 %(days)s 天"), days=settings.API_TOKEN_DAYS),
    )

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not re.fullmatch(r"[\w .:/@-]{1,100}", name):
            raise forms.ValidationError("use letters, digits, spaces and . : / @ - only")
        return name


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Only the owner's tokens are ever listed; only their digest is stored."""
    mine = ApiToken.objects.filter(user=request.user).order_by("-created")
    form = TokenForm()
    raw = ""
    status = 200
    if request.method == "POST":
        if "revoke" in request.POST:
            token_id = request.POST.get("revoke", "")
            if not token_id.isdigit():
                return render(
                    request,
                    "accounts/tokens.html",
                    {"tokens": mine, "form": form, "error": "revoke: not a token id"},
                    status=400,
                )
            token = get_object_or_404(mine, pk=int(token_id))
            token.revoke()
            return redirect("registry:tokens")
        form = TokenForm(request.POST)
        if form.is_valid():
            token, raw = ApiToken.issue(
                request.user,  # type: ignore[arg-type]
                form.cleaned_data["name"],
                form.cleaned_data["days"],
            )
            form = TokenForm()
            status = 201
        else:
            status = 400
    context = {"tokens": mine, "form": form, "raw": raw}
    response = render(request, "accounts/tokens.html", context, status=status)
    if raw:
        response["Cache-Control"] = "no-store"
    return response
