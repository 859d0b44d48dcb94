"""Where outputs go: under the output root, $FIBERPO_CHECK_ROOT when set, else the working directory.

The root is read when a name is used (`paths.RESULTS`, `from fiberpo_check.paths import RESULTS`), not when this
module is imported, so setting the variable or changing directory before the first use takes effect."""

from __future__ import annotations

import os
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
UNDER_ROOT = {
    "RESULTS": "results",
    "REPORTS": "reports",
    "FIGURES": "figures",
    "DERIVATIONS_OUT": "derivations/out",
    "DOCS": "docs",
    "NOTEBOOKS": "notebooks",
    "README": "README.md",
}


def root() -> Path:
    """The output root: $FIBERPO_CHECK_ROOT when set, else the current working directory."""
    return Path(os.environ.get("FIBERPO_CHECK_ROOT") or Path.cwd()).resolve()


def __getattr__(name: str) -> Path:
    """ROOT and the folders and files under it (RESULTS, REPORTS, ...), resolved now."""
    if name == "ROOT":
        return root()
    if name in UNDER_ROOT:
        return root() / UNDER_ROOT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
