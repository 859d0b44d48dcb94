"""`report`: write the self-contained reports/index.html from the ledger and the figures."""

from __future__ import annotations

import argparse

from ..report import write_report


def main(argv: list[str]) -> int:
    """Write the report and print its path."""
    argparse.ArgumentParser(prog="python -m fiberpo_check report").parse_args(argv)
    print(f"wrote {write_report()}")
    return 0
