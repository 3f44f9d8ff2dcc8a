"""The comparisons app."""
