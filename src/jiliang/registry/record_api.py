"""API to create and change registry records one at a time, and the search-as-you-type pickers."""

from ninja import Router

router = Router(tags=["records"])
