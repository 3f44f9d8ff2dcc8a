"""API of the `services` app (mounted at /api/services/)."""

from ninja import Router

router = Router(tags=["services"])
