"""Pages of an institution's staff (issue 13 §2): list, create (with an invitation link),
edit roles and the linked metrologist, deactivate; and the invitee's set-a-password page.

The rules live in `accounts.staff`; these views only turn forms into its calls. The person
is picked from a select of the institution's own registered metrologists (they are few),
never by a typed id.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from jiliang.accounts import staff
from jiliang.accounts.audit import history
from jiliang.accounts.models import User
from jiliang.registry.models import Person

ROLE_CHOICES = list(staff.STAFF_ROLES.items())


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Person) -> str:
        roles = "/".join(obj.roles)
        return f"{obj.name} · {obj.registration_number} · {roles} · {obj.valid_until:%Y-%m-%d}"


class StaffForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    roles = forms.MultipleChoiceField(
        label=_("岗位"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    person = PersonChoice(
        label=pgettext_lazy("staff form", "注册计量师"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("— 不关联 —"),
        widget=forms.Select(attrs={"class": "data"}),  # people's names are data (docs/ui.md)
    )

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if institution_id is not None:
            self.fields["person"].queryset = staff.people_of(institution_id)  # type: ignore[attr-defined]


class NewStaffForm(StaffForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    email = forms.EmailField(label=_("电子邮件"), required=False)
    field_order = ("username", "display_name", "email", "roles", "person")


class EditStaffForm(StaffForm):
    active = forms.BooleanField(label=_("在职"), required=False)


class PasswordForm(forms.Form):
    password1 = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("再输一次"), widget=forms.PasswordInput)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _invitation_url(request: HttpRequest, user: User) -> str:
    path = reverse("staff:accept", args=[staff.invitation_token(user)])
    return request.build_absolute_uri(path)


def _manager(request: HttpRequest) -> Any:
    try:
        staff.require_manager(request.user)
    except PermissionDenied:
        raise PermissionDenied("only an institution's manager may manage its staff") from None
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    """The manager's institution's users, and the form that creates one."""
    manager = _manager(request)
    institution_id = manager.institution_id
    form = NewStaffForm(request.POST or None, institution_id=institution_id)
    invitation = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = staff.create_user(
                    manager,
                    username=form.cleaned_data["username"],
                    display_name=form.cleaned_data["display_name"],
                    email=form.cleaned_data["email"],
                    roles=form.cleaned_data["roles"],
                    person=form.cleaned_data["person"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                invitation = _invitation_url(request, user)
                form = NewStaffForm(institution_id=institution_id)
                status = 201
        if form.errors:
            status = 400
    context = {
        "users": staff.staff_of(manager),
        "form": form,
        "invitation": invitation,
        "role_names": staff.STAFF_ROLES,
    }
    response = render(request, "accounts/staff/list.html", context, status=status)
    if invitation:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Roles, linked metrologist, activity; a new invitation link on request."""
    manager = _manager(request)
    user = staff.staff_of(manager).filter(pk=pk).first()
    if user is None:
        raise Http404("no such user of your institution")
    linked = Person.objects.filter(user=user).first()
    initial = {
        "display_name": user.display_name,
        "roles": user.staff_roles,
        "person": linked.pk if linked else None,
        "active": user.is_active,
    }
    form = EditStaffForm(request.POST or None, initial=initial, institution_id=user.institution_id)
    invitation = ""
    status = 200
    if request.method == "POST" and "invite" in request.POST:
        if not user.is_active:
            form = EditStaffForm(initial=initial, institution_id=user.institution_id)
            form.add_error(None, _("请先恢复在职"))
            status = 400
        else:
            invitation = _invitation_url(request, user)
            form = EditStaffForm(initial=initial, institution_id=user.institution_id)
    elif request.method == "POST":
        if form.is_valid():
            try:
                staff.update_user(
                    manager,
                    user,
                    roles=form.cleaned_data["roles"],
                    person=form.cleaned_data["person"],
                    display_name=form.cleaned_data["display_name"],
                    active=form.cleaned_data["active"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect("staff:edit", pk=user.pk)
        status = 400
    context = {
        "obj": user,
        "form": form,
        "invitation": invitation,
        "changes": history("accounts.user", user.pk)[:20],
    }
    response = render(request, "accounts/staff/edit.html", context, status=status)
    if invitation:
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee sets its password (anonymous: the signed link is the credential)."""
    try:
        user = staff.invited_user(token)
    except ValidationError as error:
        context = {"problem": " ".join(error.messages)}
        return render(request, "accounts/staff/accept.html", context, status=400)
    form = PasswordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if form.cleaned_data["password1"] != form.cleaned_data["password2"]:
                form.add_error("password2", _("两次输入不一致"))
            else:
                try:
                    staff.accept_invitation(token, form.cleaned_data["password1"])
                except ValidationError as error:
                    form.add_error("password1", error.messages)
                else:
                    return redirect(reverse("login") + "?accepted=1")
        status = 400
    context = {"invitee": user, "form": form}
    response = render(request, "accounts/staff/accept.html", context, status=status)
    response["Cache-Control"] = "no-store"
    # the token must not leak to other sites; "no-referrer" would make Chromium send
    # `Origin: null` with the form, which Django's CSRF check refuses
    response["Referrer-Policy"] = "same-origin"
    return response
