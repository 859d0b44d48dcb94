"""`python -m fiberpo_check all [--preset quick|default|full]`: derivations -> numeric verification -> experiments ->
figures -> ledger -> HTML report, stopping at the first failing step. `make all` runs it with the default preset
(`make all FULL=1`: full); verify, experiments and figures all use the same preset.
"""

from __future__ import annotations

import argparse
import time

from fiberpo_check import paths


def steps(preset: str) -> list[list[str]]:
    """The commands `make all` runs, in order."""
    return [
        ["derivations"],
        ["verify", "--preset", preset],
        ["experiments", "--preset", preset],
        ["figures", "--preset", preset],
        ["ledger", "--write"],
        ["report"],
    ]


def main(argv: list[str]) -> int:
    """Run every step, stop at the first failure, and print where each output is."""
    from fiberpo_check.__main__ import main as dispatch

    parser = argparse.ArgumentParser(prog="python -m fiberpo_check all", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="default", choices=("quick", "default", "full"),
                        help="problem sizes: quick (seconds, plumbing only), default (minutes), full (longer)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for step in steps(args.preset):
        print(f"==> {' '.join(step)}", flush=True)
        t0 = time.perf_counter()
        status = dispatch(step)
        print(f"<== {step[0]} finished in {time.perf_counter() - t0:.1f} s (exit {status})", flush=True)
        if status:
            return status
    outputs = {
        "derivations (LaTeX + Markdown)": "derivations/out/",
        "numeric checks": "results/verify/",
        "experiment results": "results/experiments/",
        "figures (PDF + PNG + JSON)": "figures/",
        "claims ledger": "reports/claims.md, reports/claims.json",
        "report": "reports/index.html",
    }
    print(f"\nall done in {time.perf_counter() - started:.0f} s; outputs under {paths.ROOT}:")
    for what, where in outputs.items():
        print(f"  {what:<32} {where}")
    return 0
