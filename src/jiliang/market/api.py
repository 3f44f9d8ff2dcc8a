"""API of the `market` app (mounted at /api/market/)."""

from ninja import Router

router = Router(tags=["market"])
