"""`python -m fiberpo_check notebooks [--quick] [--out DIR]`: execute every notebook in notebooks/ (jupytext .py files)
in a fresh kernel and save each with its outputs and inline plots as .ipynb and HTML (default: reports/notebooks/).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fiberpo_check import paths
from fiberpo_check.presentation.notebooks import notebook_paths, run_all


def main(argv: list[str]) -> int:
    """Execute the notebooks and write the executed copies."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check notebooks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="reduced problem sizes, as in the test suite (numbers are not evidence)")
    parser.add_argument("--out", type=Path, default=paths.NOTEBOOK_HTML,
                        help="folder for the executed .ipynb and .html files (default: reports/notebooks/)")
    args = parser.parse_args(argv)
    if not notebook_paths():
        print(f"no notebooks under {paths.NOTEBOOKS}: run from a checkout (the output root is $FIBERPO_CHECK_ROOT, else "
              "the working directory)", file=sys.stderr)
        return 2
    run_all(quick=args.quick, out_dir=args.out)
    return 0
