"""API of the `monitoring` app (mounted at /api/energy/)."""

from ninja import Router

router = Router(tags=["monitoring"])
