"""Pure core package (no Django); see docs."""

__all__: list[str] = []
