"""`report`: write reports/index.html from the ledger and the figures, and the README's claims table."""

from __future__ import annotations

import argparse

from ..report import update_readme, write_report


def main(argv: list[str]) -> int:
    """Write the report and the README's claims table, and print their paths."""
    argparse.ArgumentParser(prog="python -m fiberpo_check report").parse_args(argv)
    print(f"wrote {write_report()}")
    print(f"updated the claims table in {update_readme()}")
    return 0
