"""REST endpoints of the calibration app."""

from ninja import Router

router = Router()
