"""API of the `cloud` app (mounted at /api/cloud/)."""

from ninja import Router

router = Router(tags=["cloud"])
