"""scripts/i18n.py loaded as a module (scripts/ is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "i18n.py"


def load() -> ModuleType:
    if "jiliang_i18n_script" in sys.modules:
        return sys.modules["jiliang_i18n_script"]
    spec = importlib.util.spec_from_file_location("jiliang_i18n_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["jiliang_i18n_script"] = module
    spec.loader.exec_module(module)
    return module
