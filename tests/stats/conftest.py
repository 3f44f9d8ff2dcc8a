"""Shared fixtures of the jiliang.stats tests."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
