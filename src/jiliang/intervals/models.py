"""Models of the intervals app."""
