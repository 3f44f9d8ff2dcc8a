"""The REST API root (django-ninja); OpenAPI docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from jiliang import openapi
from jiliang.accounts.api import router as accounts_router
from jiliang.accounts.api_auth import SessionOrToken
from jiliang.accounts.staff_api import router as staff_router
from jiliang.calibration.api import router as calibration_router
from jiliang.calibration.check_api import router as check_router
from jiliang.calibration.portal_api import router as portal_router
from jiliang.cloud.api import router as cloud_router
from jiliang.comparisons.api import router as comparisons_router
from jiliang.intervals.api import router as intervals_router
from jiliang.ledger.api import router as ledger_router
from jiliang.lots.api import router as lots_router
from jiliang.market.api import router as market_router
from jiliang.monitoring.api import router as monitoring_router
from jiliang.notices.api import router as notices_router
from jiliang.registry.api import router as registry_router
from jiliang.registry.api import validation_error_body
from jiliang.registry.customer_api import router as customers_router
from jiliang.registry.record_api import router as records_router
from jiliang.registry.rules import RuleNotInForce
from jiliang.services.api import router as services_router
from jiliang.taximeters.api import router as taximeters_router


class JiliangAPI(NinjaAPI):
    """ninja's API with the shared security schemes and error responses declared (openapi)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        openapi.declare(schema)
        return schema


api = JiliangAPI(
    title="jiliang API",
    version="1",
    description="Registry, traceability and records of the measurement system 计量.",
    auth=SessionOrToken(),
    urls_namespace="api",
    docs=Swagger(settings={"validatorUrl": None}),  # no badge from validator.swagger.io: offline
)
api.add_router("/", registry_router)
api.add_router("/", customers_router)
api.add_router("/", records_router)
api.add_router("/calibration", calibration_router)
api.add_router("/check", check_router)
api.add_router("/ledger", ledger_router)
api.add_router("/taximeters", taximeters_router)
api.add_router("/comparisons", comparisons_router)
api.add_router("/intervals", intervals_router)
api.add_router("/lots", lots_router)
api.add_router("/account", accounts_router)
api.add_router("/staff", staff_router)
api.add_router("/my", portal_router)
api.add_router("/notices", notices_router)
api.add_router("/energy", monitoring_router)
api.add_router("/market", market_router)
api.add_router("/services", services_router)
api.add_router("/cloud", cloud_router)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Every error body has the same shape (openapi.ERROR_SCHEMA): detail and errors."""
    body = {"detail": str(exc), "errors": []}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not Found", "errors": []}, status=404)


@api.exception_handler(ValidationError)
def django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, validation_error_body(exc), status=400)


@api.exception_handler(NinjaValidationError)
def request_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": "invalid request", "errors": errors}, status=422)


@api.exception_handler(RuleNotInForce)
def rule_not_in_force(request: HttpRequest, exc: RuleNotInForce) -> HttpResponse:
    """A date before the first edition of a rule: the rules cannot answer (409, as the pages)."""
    body = {"detail": "no rule in force", "errors": [{"field": "", "reason": str(exc)}]}
    return api.create_response(request, body, status=409)


@api.exception_handler(OverflowError)
def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """A date or number so large that date arithmetic or the database driver overflows.

    Endpoints bound their ids, offsets and limits (jiliang.bounds); this is the net under a
    date such as 9999-12-31 plus a recall window, so the client gets 400, never a 500.
    """
    body = {
        "detail": "a number or date in the request is out of range",
        "errors": [{"field": "", "reason": str(exc)}],
    }
    return api.create_response(request, body, status=400)
