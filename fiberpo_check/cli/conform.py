"""`python -m fiberpo_check conform MODULE:FUNC [--variant fiberpo|fiberpo_domain] [--json]`: check a verl-style loss.

Exit status: 0 when the loss conforms, 1 when a property fails, 2 on usage errors (bad spec, unknown option,
unavailable device).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from ..aggregation import MODES
from ..conform import PROPERTIES, check_conformance, conforms, format_table, load_loss
from ..conform_probes import VARIANTS
from .device_options import DTYPES, add_device_options, parse_or_status, resolve_device


def parser() -> argparse.ArgumentParser:
    """Command-line options of the conform command."""
    p = argparse.ArgumentParser(prog="python -m fiberpo_check conform", description=__doc__)
    p.add_argument("spec", metavar="MODULE:FUNC", help="importable policy loss with verl's signature")
    p.add_argument("--variant", default="fiberpo", choices=VARIANTS, help="which reference (default fiberpo)")
    p.add_argument("--modes", nargs="+", choices=MODES, help="loss_agg_modes to check (default: every mode it accepts)")
    p.add_argument("--only", nargs="+", choices=PROPERTIES, help="check only these properties")
    p.add_argument("--seed", type=int, default=0, help="probe seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_device_options(p)
    return p


def main(argv: list[str]) -> int:
    """Load the loss, run the properties, print the table (or JSON); 0 conforms, 1 does not, 2 usage error."""
    args = parse_or_status(parser(), argv)
    if isinstance(args, int):
        return args
    try:
        device = resolve_device(args.device)
        candidate = load_loss(args.spec)
    except ValueError as error:
        print(f"conform: {error}", file=sys.stderr)
        return 2
    results = check_conformance(candidate, args.variant, modes=args.modes, dtype=DTYPES[args.dtype], device=device,
                                seed=args.seed, only=tuple(args.only) if args.only else None)
    ok = conforms(results)
    if args.json:
        print(json.dumps({"spec": args.spec, "variant": args.variant, "conforms": ok,
                          "properties": [asdict(r) for r in results]}, indent=2))
    else:
        print(f"{args.spec} against {args.variant} ({args.dtype}, {device})\n")
        print(format_table(results))
        print(f"\n{'CONFORMS' if ok else 'DOES NOT CONFORM'}")
    return 0 if ok else 1
