"""Models of the comparisons app."""
