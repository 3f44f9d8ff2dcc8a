"""jiliang (计量): an open platform for a country's measurement system."""

__version__ = "0.1.0"
