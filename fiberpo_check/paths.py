"""Where the toolkit reads and writes its outputs: the output root is $FIBERPO_CHECK_ROOT, else the working directory.

Everything the commands write (derivations/out, results, figures, reports, README's generated blocks) hangs off
this root, so a non-editable install writes under the folder it is run from, never into site-packages.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "FIBERPO_CHECK_ROOT"


def output_root() -> Path:
    """$FIBERPO_CHECK_ROOT if set, else the current working directory (resolved)."""
    return Path(os.environ.get(ENV_VAR) or Path.cwd()).resolve()


ROOT = output_root()
DERIVATIONS_OUT = ROOT / "derivations" / "out"
RESULTS = ROOT / "results"
FIGURES = ROOT / "figures"
REPORTS = ROOT / "reports"
