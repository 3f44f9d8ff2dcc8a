"""Models of the lots app."""
