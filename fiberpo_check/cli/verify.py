"""`python -m fiberpo_check verify [--preset quick|default|full] [--device D] [--dtype T]`: the numeric checks.

Writes results/verify/*.json|csv and results/verdicts/verify.json: every check registered by the `verify` producer
(FPO-2..5, FPO-7, FPO-10, FGH-2..4, RGF-1, and the exact-enumeration checks registered beside them).
"""

from __future__ import annotations

import argparse
import time

from fiberpo_check.cli.device_options import DTYPES, add_device_options, parse_or_status, resolve_device
from fiberpo_check import paths
from fiberpo_check.verification.checks.verify_suite import PRESETS, run_verify
from fiberpo_check.vocabulary.verdicts import write_verdicts


def parser() -> argparse.ArgumentParser:
    """Command-line options of the verify command."""
    p = argparse.ArgumentParser(prog="python -m fiberpo_check verify", description=__doc__)
    p.add_argument("--preset", default="default", choices=sorted(PRESETS), help="sizes (default: default)")
    add_device_options(p)
    return p


def main(argv: list[str]) -> int:
    """Run the suite with progress lines, print the verdicts, write results and verdicts."""
    args = parse_or_status(parser(), argv)
    if isinstance(args, int):
        return args
    try:
        device = resolve_device(args.device)
    except ValueError as error:
        print(f"verify: {error}")
        return 2
    started = time.perf_counter()

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {line}" if not line.startswith(" ") else line, flush=True)

    verdicts = run_verify(args.preset, device=device, dtype=DTYPES[args.dtype], out_dir=paths.VERIFY_RESULTS, say=say)
    path = write_verdicts(paths.RESULT_VERDICTS / "verify.json", verdicts)
    print()
    for v in verdicts:
        print(f"  {v.id:<7} {v.status.value:<30} {v.evidence[:100]}...")
    print(f"\nverdicts: {path}\nresults:  {paths.VERIFY_RESULTS}/  ({time.perf_counter() - started:.0f} s)")
    return 0
