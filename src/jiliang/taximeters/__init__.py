"""The taximeters app."""
