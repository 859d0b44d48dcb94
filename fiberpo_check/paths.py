"""Where outputs go: under the output root, $FIBERPO_CHECK_ROOT when set, else the working directory.

The root is read each time a name is used as `paths.RESULTS` (modules import `paths`, never the names), so setting
the variable or changing directory takes effect at the next use."""

from __future__ import annotations

import os
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
UNDER_ROOT = {
    "RESULTS": "results",
    "RESULT_VERDICTS": "results/verdicts",  # every producer's verdicts but the derivations'
    "VERIFY_RESULTS": "results/verify",
    "EXPERIMENT_RESULTS": "results/experiments",
    "EXPERIMENT_SUMMARY": "results/experiments/summary.json",  # the ledger's preset run
    "REPORTS": "reports",
    "NOTEBOOK_HTML": "reports/notebooks",
    "FIGURES": "figures",
    "DERIVATIONS_OUT": "derivations/out",
    "DERIVATION_VERDICTS": "derivations/out/verdicts.json",
    "AUDIT_JSON": "derivations/out/audit.json",
    "DOCS": "docs",
    "ERRATA": "docs/errata.md",
    "USER_GUIDE": "docs/user-guide.md",  # carries the figures table
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
