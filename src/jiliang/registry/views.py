"""Pages of the registry. Thin: every query starts from `Model.objects.visible_to(user)` and
every rule comes from services.py / traceability.py, so the pages, the API and the CLI agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.messages import success as flash_success
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from jiliang.accounts.audit import history
from jiliang.registry import (
    amendments,
    bulk,
    filters,
    forms,
    listing,
    rules,
    services,
    tables,
)
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    Certificate,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
    SchemeLevel,
    VerificationScheme,
)
from jiliang.registry.querysets import is_admin

PAGE_SIZE = listing.PAGE_SIZE

# Objects whose change log can be browsed: label → (model, detail URL name).
AUDITED: dict[str, tuple[type[Model], str]] = {
    "registry.institution": (Institution, "registry:institution"),
    "registry.person": (Person, "registry:person"),
    "registry.measurementstandard": (MeasurementStandard, "registry:standard"),
    "registry.referencematerial": (ReferenceMaterial, "registry:material"),
    "registry.instrument": (Instrument, "registry:instrument"),
    "registry.certificate": (Certificate, "registry:certificate"),
    "registry.catalogueitem": (CatalogueItem, "registry:catalogue_item"),
    "registry.verificationscheme": (VerificationScheme, "registry:scheme"),
}


# The list machinery lives in listing.py; these names stay for the other pages here.
_page = listing.page_of
_count_cap = listing.count_cap


def _query_without(request: HttpRequest, param: str = "page") -> str:
    """The current query string minus the page number, for the pagination links."""
    return listing.query_without(request, param)


LISTS = {
    "institutions": listing.ListSpec(
        tables.InstitutionTable,
        filters.InstitutionFilterSet,
        "registry/institution_list.html",
        "institutions",
    ),
    "people": listing.ListSpec(
        tables.PersonTable, filters.PersonFilterSet, "registry/person_list.html", "people"
    ),
    "standards": listing.ListSpec(
        tables.StandardTable, filters.StandardFilterSet, "registry/standard_list.html", "standards"
    ),
    "materials": listing.ListSpec(
        tables.MaterialTable, filters.MaterialFilterSet, "registry/material_list.html", "materials"
    ),
    "instruments": listing.ListSpec(
        tables.InstrumentTable,
        filters.InstrumentFilterSet,
        "registry/instrument_list.html",
        "instruments",
    ),
    "certificates": listing.ListSpec(
        tables.CertificateTable,
        filters.CertificateFilterSet,
        "registry/certificate_list.html",
        "certificates",
    ),
    "catalogue": listing.ListSpec(
        tables.CatalogueTable,
        filters.CatalogueFilterSet,
        "registry/catalogue_list.html",
        "catalogue",
    ),
    "schemes": listing.ListSpec(
        tables.SchemeTable, filters.SchemeFilterSet, "registry/scheme_list.html", "schemes"
    ),
}


def _today() -> dt.date:
    return dt.date.today()


# --- home ------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"counts": services.summary_counts(request.user)}
    if request.user.is_authenticated:
        due = services.DuePages(
            Instrument.objects.visible_to(request.user), cap=_count_cap(request)
        )
        context["due"] = {**due.counts, "total": len(due)}
    return render(request, "registry/home.html", context)


# --- institutions, people --------------------------------------------------------------------


def institution_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = Institution.objects.visible_to(request.user).order_by("id")
    return listing.list_page(request, qs, LISTS["institutions"])


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    institution = get_object_or_404(Institution.objects.visible_to(user), pk=pk)
    today = _today()
    authorisations = Authorisation.objects.visible_to(user).filter(institution=institution)
    context = {
        "obj": institution,
        "authorisations": [(a, a.is_valid_on(today)) for a in authorisations.order_by("form")],
        "standards": MeasurementStandard.objects.visible_to(user)
        .filter(institution=institution)
        .select_related("quantity"),
        "people_count": Person.objects.visible_to(user).filter(institution=institution).count(),
        "instrument_count": Instrument.objects.visible_to(user).filter(owner=institution).count(),
        "issued_count": Certificate.objects.visible_to(user).filter(issuer=institution).count(),
        "audit_label": "registry.institution",
    }
    return render(request, "registry/institution_detail.html", context)


@login_required
def person_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = (
        Person.objects.visible_to(request.user).select_related("institution").order_by("name", "id")
    )
    return listing.list_page(request, qs, LISTS["people"])


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("institution"), pk=pk
    )
    today = _today()
    context = {
        "obj": person,
        "registration_valid": person.valid_from <= today <= person.valid_until,
        "audit_label": "registry.person",
    }
    return render(request, "registry/person_detail.html", context)


# --- standards, materials --------------------------------------------------------------------


def standard_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = MeasurementStandard.objects.visible_to(request.user).select_related(
        "institution", "quantity"
    )
    return listing.list_page(request, qs.order_by("id"), LISTS["standards"])


def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    standard = get_object_or_404(
        MeasurementStandard.objects.visible_to(user).select_related("institution", "quantity"),
        pk=pk,
    )
    today = _today()
    examinations = [
        {
            "cert": cert,
            "valid": cert.is_valid_on(today),
            "reminder": rules.reexamination_reminder(cert.valid_until),
            "remind_now": rules.reexamination_reminder(cert.valid_until) <= today,
        }
        for cert in ExaminationCertificate.objects.visible_to(user)
        .filter(standard=standard)
        .order_by("-issued_on")
    ]
    equipment = list(
        Instrument.objects.visible_to(user).filter(part_of_standard=standard).order_by("id")
    )
    certs = Certificate.objects.visible_to(user).filter(instrument__in=equipment)
    by_item: dict[int, list[Certificate]] = {}
    for cert in certs.select_related("issuer").order_by("-calibration_date", "-id"):
        by_item.setdefault(cert.instrument_id, []).append(cert)
    context = {
        "obj": standard,
        "examinations": examinations,
        "equipment": [(item, by_item.get(item.pk, [])) for item in equipment],
        "problems": services.standard_problems(standard, today),
        # The reasons name equipment and certificates: only for who may see the equipment.
        "reasons_visible": bool(equipment)
        or is_admin(user)
        or getattr(user, "institution_id", None) == standard.institution_id,
        "issued_with_count": Certificate.objects.visible_to(user)
        .filter(standards_used=standard)
        .count(),
        "today": today,
        "audit_label": "registry.measurementstandard",
    }
    return render(request, "registry/standard_detail.html", context)


def material_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = (
        ReferenceMaterial.objects.visible_to(request.user)
        .select_related("producer")
        .order_by("gbw_number")
    )
    return listing.list_page(request, qs, LISTS["materials"])


def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    material = get_object_or_404(
        ReferenceMaterial.objects.visible_to(user).select_related("producer", "quantity"), pk=pk
    )
    context = {
        "obj": material,
        "expired": material.expiry < _today(),
        "certificates": Certificate.objects.visible_to(user)
        .filter(materials_used=material)
        .select_related("instrument", "issuer")[:50],
        "audit_label": "registry.referencematerial",
    }
    return render(request, "registry/material_detail.html", context)


# --- instruments, certificates ---------------------------------------------------------------


@login_required
def instrument_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The instruments the user may see; a POST is a bulk action on selected rows (bulk.py)."""
    qs = Instrument.objects.visible_to(request.user).select_related("owner", "category")
    extra: dict[str, Any] = {"today": _today(), "bulk_cap": bulk.BULK_CAP}
    if request.method == "POST":
        outcome = bulk.perform(request, qs, LISTS["instruments"])
        if outcome.download is not None:
            return outcome.download
        if outcome.ok:  # post/redirect/get: a reload does not retire twice
            flash_success(request, outcome.message)
            query = outcome.filter_query
            return redirect(reverse("registry:instruments") + (f"?{query}" if query else ""))
        extra.update(bulk_message=outcome.message, bulk_problems=outcome.problems)
    response = listing.list_page(
        request, qs, LISTS["instruments"], extra, table_kwargs={"today": _today()}
    )
    if request.method == "POST" and response.status_code == 200:
        response.status_code = 400  # the bulk action was refused; the page says why
    return response


@login_required
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    instrument = get_object_or_404(
        Instrument.objects.visible_to(user).select_related(
            "owner", "category", "quantity", "part_of_standard"
        ),
        pk=pk,
    )
    today = _today()
    due = services.due_date(instrument)
    context = {
        "obj": instrument,
        "mandatory": services.mandatory_status(instrument),
        "due": due,
        "due_state": _due_state(due, today),
        "certificates": Certificate.objects.visible_to(user)
        .filter(instrument=instrument)
        .select_related("issuer", "dcc_signature"),
        "audit_label": "registry.instrument",
    }
    return render(request, "registry/instrument_detail.html", context)


def _due_state(due: dt.date | None, today: dt.date) -> str:
    """overdue / due (inside the recall window) / ok / never, as services.due_list says."""
    if due is None:
        return "never"
    recall = rules.rule("recall", today)
    if due + dt.timedelta(days=recall["grace_days"]) < today:
        return "overdue"
    if due <= today + dt.timedelta(days=recall["advance_days"]):
        return "due"
    return "ok"


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = Certificate.objects.visible_to(request.user).select_related(
        "issuer",
        "instrument__owner",
        "dcc_signature",  # the badge of an imported DCC
    )
    return listing.list_page(request, qs, LISTS["certificates"])


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visible = Certificate.objects.visible_to(user)
    cert = get_object_or_404(
        visible.select_related(
            "issuer", "instrument__owner", "verifier", "checker", "approver", "amends"
        ),
        pk=pk,
    )
    # The amendment chain, each step only as far as the user may see.
    earlier: list[Certificate] = []
    step = cert
    while step.amends_id is not None and len(earlier) < 50:
        previous = visible.filter(pk=step.amends_id).first()
        if previous is None:
            break
        earlier.append(previous)
        step = previous
    later = list(visible.filter(amends=cert).order_by("issued_on", "id"))
    context = {
        "obj": cert,
        "standards": MeasurementStandard.objects.visible_to(user)
        .filter(certificates_issued_with=cert)
        .select_related("institution"),
        "materials": ReferenceMaterial.objects.visible_to(user).filter(certificates=cert),
        "earlier": earlier,
        "later": later,
        "instrument_visible": Instrument.objects.visible_to(user)
        .filter(pk=cert.instrument_id)
        .exists(),
        "may_amend": amendments.amend_refusal(cert, user) is None,
        "audit_label": "registry.certificate",
    }
    return render(request, "registry/certificate_detail.html", context)


@login_required
def certificate_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue an amendment 更正/替代: a form prefilled from the original; errors re-render it
    with the field's message (400); success shows the new certificate."""
    user = request.user
    original = get_object_or_404(
        Certificate.objects.visible_to(user).select_related(
            "issuer", "instrument__owner", "verifier", "checker", "approver"
        ),
        pk=pk,
    )
    refusal = amendments.amend_refusal(original, user)
    if refusal is not None:
        raise PermissionDenied(refusal)
    people = Person.objects.visible_to(user)
    latest = None
    if Certificate.objects.filter(amends=original).exists():
        latest = amendments.latest_in_chain(original)
    if request.method != "POST":
        form = forms.AmendForm(original=original, people=people)
        context = {"obj": original, "form": form, "latest": latest}
        return render(request, "registry/certificate_amend.html", context)
    form = forms.AmendForm(request.POST, original=original, people=people)
    if form.is_valid():
        try:
            new = amendments.issue_amendment(
                original,
                user,
                number=form.cleaned_data["number"],
                amendment=form.cleaned_data["amendment"],
                changes=form.changes(),
                signatories=form.signatories(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("registry:certificate", new.pk)
    context = {"obj": original, "form": form, "latest": latest}
    return render(request, "registry/certificate_amend.html", context, status=400)


def _form_errors(form: forms.AmendForm, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: under its field, or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages in exc.message_dict.items():
        if field in form.fields:
            form.add_error(field, messages)
        else:
            form.add_error(None, [f"{field}: {m}" for m in messages])


# --- catalogue, schemes ----------------------------------------------------------------------


def catalogue_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = CatalogueItem.objects.visible_to(request.user).select_related("quantity")
    unconfirmed = CatalogueItem.objects.visible_to(request.user).filter(confirmed=False).count()
    return listing.list_page(request, qs, LISTS["catalogue"], {"unconfirmed": unconfirmed})


def catalogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        CatalogueItem.objects.visible_to(request.user).select_related("quantity"), pk=pk
    )
    context = {
        "obj": item,
        "instrument_count": Instrument.objects.visible_to(request.user)
        .filter(category=item)
        .count(),
        "audit_label": "registry.catalogueitem",
    }
    return render(request, "registry/catalogue_detail.html", context)


def scheme_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = (
        VerificationScheme.objects.visible_to(request.user)
        .select_related("quantity")
        .order_by("code")
    )
    return listing.list_page(request, qs, LISTS["schemes"])


def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(
        VerificationScheme.objects.visible_to(request.user).select_related("quantity"), pk=pk
    )
    context = {
        "obj": scheme,
        "levels": SchemeLevel.objects.visible_to(request.user)
        .filter(scheme=scheme)
        .order_by("order"),
        "audit_label": "registry.verificationscheme",
    }
    return render(request, "registry/scheme_detail.html", context)


# --- change log ------------------------------------------------------------------------------


@login_required
def change_log(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    """The change log of one object, shown only if the object itself is visible."""
    if label not in AUDITED:
        raise Http404("no change log for this kind of object")
    model, url_name = AUDITED[label]
    manager: Any = model._default_manager
    obj = get_object_or_404(manager.visible_to(request.user), pk=pk)
    page = _page(request, history(label, pk))
    rows = [{"record": r, "diff": _diff(r.before, r.after)} for r in page.object_list]
    context = {
        "obj": obj,
        "label": label,
        "verbose_name": model._meta.verbose_name,
        "back": reverse(url_name, args=[pk]),
        "page": page,
        "rows": rows,
        "query": _query_without(request),
    }
    return render(request, "registry/change_log.html", context)


def _diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field whose value changed."""
    before = before or {}
    after = after or {}
    fields = [*before, *(k for k in after if k not in before)]
    return [
        (name, before.get(name), after.get(name))
        for name in fields
        if before.get(name) != after.get(name)
    ]
