"""REST endpoints of the taximeters app."""

from ninja import Router

router = Router()
