"""Where outputs go: under the output root, $FIBERPO_CHECK_ROOT when set, else the working directory at import."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("FIBERPO_CHECK_ROOT") or Path.cwd()).resolve()
RESULTS = ROOT / "results"
REPORTS = ROOT / "reports"
FIGURES = ROOT / "figures"
DERIVATIONS_OUT = ROOT / "derivations" / "out"
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
SOURCE = Path(__file__).resolve().parent.parent
