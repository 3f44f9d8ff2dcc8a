"""Pages that create and change registry records one at a time (issue 13 §1).

Thin: the forms (`edit_forms`) clean, the services (`records`, `state_changes`) decide and
write; the API (`record_api`) calls the same two. Refusals are shown on the form, nothing
written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.registry import records
from jiliang.registry.edit_forms import CustomerForm, InstrumentForm, StateForm
from jiliang.registry.models import Instrument
from jiliang.registry.record_rules import acts_for, member_writer
from jiliang.registry.state_changes import change_state, changes_of


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages_ in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _render(request: HttpRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    context = {"form": form, "title": title, **extra}
    return render(request, "registry/edit/form.html", context, status=400 if form.errors else 200)


@login_required
def instrument_new(request: HttpRequest) -> HttpResponse:
    """Register an instrument: one's own, or a laboratory's customer's."""
    if member_writer(request.user) is None:
        raise PermissionDenied(_("只读用户与监管用户不能登记器具"))
    title = _("登记计量器具")
    if request.method != "POST":
        owner = request.GET.get("owner") or getattr(request.user.institution, "uscc", "")
        form = InstrumentForm(initial={"owner": owner[:18]})
        return _render(request, form, title)
    form = InstrumentForm(data=request.POST)
    if form.is_valid():
        try:
            instrument = records.save_instrument(request.user, form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error("owner", str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("已登记器具 %(serial)s") % {"serial": instrument.serial_number}
            )
            return redirect("registry:instrument", instrument.pk)
    return _render(request, form, title)


@login_required
def instrument_edit(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(
        Instrument.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    if not acts_for(request.user, instrument.owner):
        raise PermissionDenied(_("无权修改该器具"))
    title = _("修改器具 %(serial)s") % {"serial": instrument.serial_number}
    if request.method != "POST":
        return _render(request, InstrumentForm(instance=instrument), title, obj=instrument)
    form = InstrumentForm(data=request.POST, instance=instrument)
    if form.is_valid():
        try:
            records.save_instrument(request.user, form.cleaned_data, instrument)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("registry:instrument", instrument.pk)
    return _render(request, form, title, obj=instrument)


@login_required
def instrument_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire, return to service, scrap, lose or transfer one instrument; its past changes."""
    instrument = get_object_or_404(
        Instrument.objects.visible_to(request.user).select_related("owner"), pk=pk
    )
    may = acts_for(request.user, instrument.owner)
    form = StateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may:
            raise PermissionDenied(_("无权修改该器具的状态"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                change_state(
                    request.user,
                    [instrument],
                    state=data["state"],
                    reason=data["reason"],
                    on=data["on"],
                    to_owner=data["to_owner"] or None if data["state"] == "transferred" else None,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("状态已变更"))
                if Instrument.objects.visible_to(request.user).filter(pk=pk).exists():
                    return redirect("records:instrument_state", pk)
                return redirect("registry:instruments")
    context = {
        "form": form,
        "obj": instrument,
        "may": may,
        "changes": changes_of(instrument.pk),
    }
    return render(request, "registry/edit/state.html", context, status=400 if form.errors else 200)


@login_required
def customer_new(request: HttpRequest) -> HttpResponse:
    """A laboratory records a customer (not yet on the platform: it acts for it until it joins)."""
    title = _("登记客户")
    form = CustomerForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            institution, relation = records.record_customer(request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if relation.status == relation.Status.ACCEPTED:
                messages.success(
                    request,
                    _("已登记客户 %(name)s，现在可登记其器具") % {"name": institution.name_zh},
                )
                return redirect(reverse("records:instrument_new") + f"?owner={institution.uscc}")
            messages.info(
                request,
                _("%(name)s 已在平台上：已发出客户关系申请，对方同意后可登记其器具")
                % {"name": institution.name_zh},
            )
            return redirect("registry:customers")
    hint = _(
        "未在平台上的客户：按名称、地址和统一社会信用代码登记；该单位加入平台后，这些记录即归其所有。"
    )
    return _render(request, form, title, hint=hint)


# --- standards (with equipment), reference materials, people ----------------------------------


def _kinds() -> dict[str, tuple[Any, Any, Any, str, Any, Any]]:
    """kind → (form, model, save, detail url, title of new, title of edit)."""
    from jiliang.registry.models import MeasurementStandard, Person, ReferenceMaterial
    from jiliang.registry.record_forms import MaterialForm, PersonForm, StandardForm

    return {
        "standards": (
            StandardForm,
            MeasurementStandard,
            records.save_standard,
            "registry:standard",
            _("建立计量标准"),
            _("修改计量标准"),
        ),
        "materials": (
            MaterialForm,
            ReferenceMaterial,
            records.save_material,
            "registry:material",
            _("登记标准物质"),
            _("修改标准物质"),
        ),
        "people": (
            PersonForm,
            Person,
            records.save_person,
            "registry:person",
            _("登记注册计量师"),
            _("修改注册计量师"),
        ),
    }


@login_required
def record_form(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """Create (pk None) or edit a standard, a reference material or a person."""
    form_class, model, save, detail, new_title, edit_title = _kinds()[kind]
    instance = None
    if pk is not None:
        instance = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        scope = "producer" if kind == "materials" else "institution"
        if not acts_for(request.user, getattr(instance, scope)):
            raise PermissionDenied(_("无权修改该机构的记录"))
    elif member_writer(request.user) is None:
        raise PermissionDenied(_("只读用户与监管用户不能登记记录"))
    title = edit_title if instance is not None else new_title
    data = request.POST if request.method == "POST" else None
    form = form_class(data=data, instance=instance)
    if data is not None and form.is_valid():
        try:
            saved = save(request.user, form.cleaned_data, instance)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(detail, saved.pk)
    return _render(request, form, title)
