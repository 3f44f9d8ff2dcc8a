"""REST endpoints of the comparisons app."""

from ninja import Router

router = Router()
