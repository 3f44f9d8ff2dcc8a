"""The intervals app."""
