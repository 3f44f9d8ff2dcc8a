"""The REST API root (django-ninja); OpenAPI docs at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from jiliang.accounts.api_auth import SessionOrToken
from jiliang.registry.api import router as registry_router

api = NinjaAPI(
    title="jiliang API",
    version="1",
    description="Registry, traceability and records of the measurement system 计量.",
    auth=SessionOrToken(),
    urls_namespace="api",
)
api.add_router("/", registry_router)
