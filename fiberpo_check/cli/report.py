"""`python -m fiberpo_check report`: write reports/index.html from reports/claims.json (the ledger), the derivations
and figures/, and regenerate the README's claims and figures tables.

The page is one self-contained file (figures embedded as data, derivations inlined, links only within the page), so
it can be moved or mailed. Run `ledger --write` and `figures` first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fiberpo_check.plots.style import FIGURE_DIR
from fiberpo_check.presentation.report import REPORT_DIR, update_readme, write_report


def main(argv: list[str]) -> int:
    """Write the report and the README's generated tables, and print their paths."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPORT_DIR / "index.html",
                        help="where to write the page (default: reports/index.html)")
    parser.add_argument("--figures", type=Path, default=FIGURE_DIR,
                        help="folder of figures to embed (default: figures/)")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    args = parser.parse_args(argv)
    print(f"wrote {write_report(figure_dir=args.figures, out=args.out)}")
    if not args.no_readme:
        print(f"updated the claims and figures tables in {update_readme()}")
    return 0
