"""fiberpo-check: a verification toolkit for Fibration Policy Optimization (arXiv 2603.08239).

The public names are imported on first use, so `python -m fiberpo_check --help` does not load torch.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

__all__ = ["fiberpo_gate", "fiberpo_domain_gate", "surrogate", "losses", "use_project_root"]
__version__ = "0.1.0"

LAZY = {
    "losses": ("fiberpo_check.losses", None),
    "surrogate": ("fiberpo_check.engine.objectives", "surrogate"),
    "fiberpo_gate": ("fiberpo_check.engine.objectives.fiberpo", "fiberpo_gate"),
    "fiberpo_domain_gate": ("fiberpo_check.engine.objectives.fiberpo_domain", "fiberpo_domain_gate"),
}


def __getattr__(name: str):
    """Import a public name on first access (PEP 562)."""
    if name not in LAZY:
        raise AttributeError(f"module 'fiberpo_check' has no attribute {name!r}")
    module_name, attribute = LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *LAZY])


def use_project_root(start: Path | None = None) -> Path:
    """Make the output root the project a notebook sits in: $FIBERPO_CHECK_ROOT when set, else the nearest folder
    at or above `start` (default: the working directory) holding pyproject.toml and notebooks/ (a Jupyter kernel
    starts in notebooks/, not in the project). The root is read when used, so it takes effect at the next write."""
    if os.environ.get("FIBERPO_CHECK_ROOT"):
        return Path(os.environ["FIBERPO_CHECK_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            os.environ["FIBERPO_CHECK_ROOT"] = str(folder)
            return folder
    return here
