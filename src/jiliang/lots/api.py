"""REST endpoints of the lots app."""

from ninja import Router

router = Router()
