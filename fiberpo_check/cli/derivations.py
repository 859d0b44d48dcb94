"""`python -m fiberpo_check derivations`: prove every derivation with SymPy and z3, print which engine proved what on
which domain and the time per claim, and write derivations/out/ (the derivations' verdicts and audit records, then
the rendered audit and docs/errata.{md,json} from them)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Exit 0 when every derivation ran (a refuted paper claim is a result); 1 when our own machinery broke,
    including a disagreement between SymPy and z3."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check derivations", description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: derivations/out)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: min(2, CPUs))")
    args = parser.parse_args(argv)
    from derivations.build import build
    from fiberpo_check import paths
    from derivations.provers import DerivationError
    from fiberpo_check.presentation.audit_render import write_rendered

    start = time.perf_counter()
    try:
        out = args.out or paths.DERIVATIONS_OUT
        verdicts = build(out, workers=args.workers)
        write_rendered(out)
    except DerivationError as error:
        print(f"derivation machinery failed: {error}", file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.status.value] = counts.get(v.status.value, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{len(verdicts)} claims in {time.perf_counter() - start:.1f} s: {summary}")
    return 0
