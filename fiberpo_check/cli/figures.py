"""`python -m fiberpo_check figures [--preset P] [--list] [--only NAME ...] [--out DIR] [--allow-other-preset]`.

Draws every registered figure (PDF + PNG + JSON sidecar). Figures of experiments and of `verify` are drawn only
from the stored results of the requested preset; when those are missing (say only the quick preset of the test suite
ran) the figure is refused and the command exits with status 3, unless --allow-other-preset is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REFUSED = 3  # exit status when a figure's results come from another preset (or are missing)


def parse(argv: list[str]) -> argparse.Namespace:
    """Command-line options of the figures command."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check figures", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=("default", "full", "quick", "gpu"), default="default",
                        help="draw experiment and verify figures from this preset's stored results (default: default)")
    parser.add_argument("--allow-other-preset", action="store_true",
                        help="draw from another preset's results when the requested one is missing (loud warning; "
                             "the sidecar records the preset actually used)")
    parser.add_argument("--list", action="store_true", help="list figure names with one-line captions and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="draw only these figures (see --list)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: figures/)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Draw the selected figures and print the written paths; exit 3 if any figure was refused."""
    args = parse(argv)
    from tqdm import tqdm

    from fiberpo_check import paths
    from fiberpo_check.plots.figure import PresetMismatch
    from fiberpo_check.plots.registry import draw, load_all
    from fiberpo_check.plots.style import use_headless_backend

    args.out = args.out or paths.FIGURES
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
    use_headless_backend()
    refused = []
    for name in tqdm(names, desc="figures", unit="fig", disable=not sys.stderr.isatty()):  # no bars in logs
        try:
            for path in draw(figures[name], args.out, args.preset, args.allow_other_preset):
                tqdm.write(str(path))
        except PresetMismatch as error:
            refused.append(name)
            tqdm.write(f"REFUSED {name}: {error}")
    if refused:
        print(f"\n{len(refused)} figure(s) not drawn (results of the {args.preset!r} preset missing): {refused}")
        return REFUSED
    return 0
