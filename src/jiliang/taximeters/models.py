"""Models of the taximeters app."""
