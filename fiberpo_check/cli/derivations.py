"""`python -m fiberpo_check derivations`: run the SymPy derivations, print their times, write derivations/out/."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..verdicts import ROOT


def main(argv: list[str]) -> int:
    """Exit 0 when every derivation ran (a refuted paper claim is a result); 1 when our own machinery broke."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check derivations", description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: derivations/out)")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from derivations._core import DerivationError
    from derivations.build import OUT, build

    start = time.perf_counter()
    try:
        derivations = build(args.out or OUT)
    except DerivationError as error:
        print(f"derivation machinery failed: {error}", file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    for d in derivations:
        counts[d.status] = counts.get(d.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{len(derivations)} claims in {time.perf_counter() - start:.1f} s: {summary}")
    return 0
