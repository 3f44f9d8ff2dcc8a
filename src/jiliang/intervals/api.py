"""REST endpoints of the intervals app."""

from ninja import Router

router = Router()
