"""`python -m fiberpo_check report`: write reports/index.html from reports/claims.json (the ledger), the
equation-level audit, the derivations and figures/, and regenerate the README's claims table and the user guide's
figures table.

The page is one self-contained file (figures embedded as data, derivations inlined with their math rendered by an
inlined KaTeX), so it can be moved or mailed and opened offline. Run `ledger --write` and `figures` first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fiberpo_check import paths


def main(argv: list[str]) -> int:
    """Write the report and the README's generated tables, and print their paths."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=paths.REPORTS / "index.html",
                        help="where to write the page (default: reports/index.html)")
    parser.add_argument("--figures", type=Path, default=paths.FIGURES,
                        help="folder of figures to embed (default: figures/)")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    args = parser.parse_args(argv)
    from fiberpo_check.presentation.report import update_readme, write_report

    print(f"wrote {write_report(figure_dir=args.figures, out=args.out)}")
    if not args.no_readme:
        print(f"updated the claims table in {update_readme()} and the figures table in docs/user-guide.md")
    return 0
