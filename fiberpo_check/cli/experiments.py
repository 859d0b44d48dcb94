"""`python -m fiberpo_check experiments [--preset quick|default|full|gpu] [--seeds N ...] [--label NAME]
[--device cpu|cuda|auto] [--only bandit lm]`."""

from __future__ import annotations

import argparse

import torch

from fiberpo_check.empirical.experiments.presets import PRESETS
from fiberpo_check.empirical.experiments.runner import run_preset


def parse(argv: list[str]) -> argparse.Namespace:
    """Command-line options of the experiments command."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check experiments", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default",
                        help="sizes: quick (seconds, plumbing only), default (minutes), full (longer), gpu (a 11.0M-"
                             "parameter model, long answers; for --device cuda)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="evaluation seeds instead of the preset's (bandit: all; LM: first half discovery, second "
                             "half held-out replication); written under results/experiments/runs/LABEL/")
    parser.add_argument("--label", default=None,
                        help="name of a run kept apart from the preset's verdicts (default with --seeds: "
                             "PRESET-seeds-...)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, or auto")
    parser.add_argument("--only", nargs="+", choices=("bandit", "lm"), default=("bandit", "lm"),
                        help="run only these parts (default: both)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the preset (reusing cached results), print verdicts; Ctrl-C stops cleanly with exit status 130."""
    args = parse(argv)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    try:
        summary = run_preset(args.preset, args.seeds, device, tuple(args.only), args.label)
    except KeyboardInterrupt:
        print("interrupted; finished parts stay cached under results/experiments/")
        return 130
    for claim, status in sorted(summary["verdicts"].items()):
        print(f"{claim:<6} {status}")
    print(f"timings: {summary['timings']}")
    print("written: " + ", ".join(summary["paths"]))
    return 0
