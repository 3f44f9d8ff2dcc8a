"""The lots app."""
