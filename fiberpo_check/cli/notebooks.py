"""`notebooks`: execute every verification notebook and write HTML copies into reports/notebooks/."""

from __future__ import annotations

import argparse

from ..notebooks import run_all


def main(argv: list[str]) -> int:
    """Execute the notebooks (--quick for the reduced sizes the tests use)."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check notebooks")
    parser.add_argument("--quick", action="store_true", help="reduced sizes, as in the test suite")
    args = parser.parse_args(argv)
    run_all(quick=args.quick)
    return 0
