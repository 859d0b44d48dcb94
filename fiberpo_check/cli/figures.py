"""`python -m fiberpo_check figures [--list] [--only NAME ...] [--out DIR]`: draw every registered figure."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from ..plots.registry import load_all
from ..plots.style import FIGURE_DIR


def parse(argv: list[str]) -> argparse.Namespace:
    """Command-line options of the figures command."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check figures", description=__doc__)
    parser.add_argument("--list", action="store_true", help="list figure names with one-line captions and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="draw only these figures")
    parser.add_argument("--out", type=Path, default=FIGURE_DIR, help="output folder (default: figures/)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Draw the selected figures (PDF + PNG + JSON sidecar each) and print the written paths."""
    args = parse(argv)
    figures = load_all()
    if args.list:
        for name, spec in sorted(figures.items()):
            print(f"{name:<28} {spec.caption}")
        return 0
    names = args.only or sorted(figures)
    unknown = sorted(set(names) - set(figures))
    if unknown:
        print(f"unknown figure(s) {unknown}; see --list")
        return 2
    for name in tqdm(names, desc="figures", unit="fig"):
        for path in figures[name].draw(args.out):
            tqdm.write(str(path))
    return 0
