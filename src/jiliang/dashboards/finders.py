"""Static files taken from installed packages, not copied into the repository.

`jiliang/vendor/plotly.min.js` is the plotly.js bundle the locked `plotly` package ships
(`plotly/package_data/plotly.min.js`): served by whitenoise through the finders in every mode,
and gathered by collectstatic for nginx. Only the files named here are exposed, not the
package's data sets.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "jiliang/vendor"
# served name → (package, path inside the package)
VENDORED = {"plotly.min.js": ("plotly", "package_data/plotly.min.js")}


def _source(name: str) -> Path | None:
    package, inner = VENDORED[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / inner
    return path if path.is_file() else None


class VendorFinder(BaseFinder):
    """Finds `jiliang/vendor/<name>` in the installed package that ships it."""

    def check(self, **kwargs: Any) -> list[Any]:
        from django.core import checks

        return [
            checks.Warning(f"{PREFIX}/{name}: package {VENDORED[name][0]} is not installed")
            for name in VENDORED
            if _source(name) is None
        ]

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        head, _, name = path.rpartition("/")
        source = _source(name) if head == PREFIX and name in VENDORED else None
        if source is None:
            return [] if find_all or kwargs.get("all") else None
        return [str(source)] if find_all or kwargs.get("all") else str(source)

    def list(self, ignore_patterns: Any) -> Any:
        for name in VENDORED:
            source = _source(name)
            if source is not None:
                storage = FileSystemStorage(location=str(source.parent))
                storage.prefix = PREFIX  # type: ignore[attr-defined]
                yield source.name, storage
