"""`python -m fiberpo_check conform MODULE:FUNC|path/to/file.py:FUNC [--variant NAME] [--json]`: check a verl-style
policy loss against its RGF definition.

Exit status: 0 conforms; 3 conforms, with robustness warnings (NaN/inf padding leaks, empty rows, local normalisers;
--strict makes them failures); 1 does not conform (a property of the definition fails); 2 usage error (bad spec,
unknown option, unavailable device).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from fiberpo_check.cli.device_options import DTYPES, add_device_options, parse_or_status, resolve_device
from fiberpo_check.engine.aggregation import MODES
from fiberpo_check.verification.conform import PROPERTIES, VERDICTS, build_checker, load_loss, refused, verdict
from fiberpo_check.verification.conform_report import (
    deviation_profile,
    dump_writer,
    format_coverage,
    format_headline,
    format_profile,
    format_table,
    profile_json,
)
from fiberpo_check.verification.conform_semantics import SEMANTICS
from fiberpo_check.verification.conform_settings import Settings, parse_assignments, parse_budget
from fiberpo_check.verification.conform_variants import VARIANTS


def parser() -> argparse.ArgumentParser:
    """Command-line options of the conform command."""
    p = argparse.ArgumentParser(prog="python -m fiberpo_check conform", description=__doc__)
    p.add_argument("spec", metavar="MODULE:FUNC", help="policy loss with verl's signature: MODULE:FUNC or "
                   "path/to/file.py:FUNC")
    p.add_argument("--variant", default="fiberpo", choices=VARIANTS, help="which definition (default fiberpo)")
    p.add_argument("--modes", nargs="+", choices=MODES, help="loss_agg_modes to check (default: every mode it accepts)")
    p.add_argument("--only", nargs="+", choices=PROPERTIES, help="check only these properties")
    p.add_argument("--c-pos", type=parse_budget, help="C+ (FiberPO-Domain: a float or domain=..,group=..,trajectory=..)")
    p.add_argument("--c-neg", type=parse_budget, help="C- (same forms as --c-pos)")
    p.add_argument("--eps", type=float, help="fiber clip eps (FiberPO) or both clip ratios (clip family)")
    p.add_argument("--eps-neg", type=float, help="FiberPO fiber clip eps where A < 0 (per-advantage-sign eps)")
    p.add_argument("--config", nargs="+", metavar="KEY=VALUE", help="more config keys (verl names, e.g. clip_ratio_c=3)")
    p.add_argument("--map", nargs="+", metavar="KEY=NAME", help="pass config key KEY to the loss as NAME")
    p.add_argument("--config-factory", metavar="MODULE:FUNC", help="builds the loss's config object from the dict")
    p.add_argument("--dump", metavar="DIR", help="write each failing probe and its expected output to DIR")
    p.add_argument("--semantics", choices=tuple(SEMANTICS), help="framework aggregation semantics (default: detected "
                   "from the installed package when the loss calls its aggregation, else verl-0.9)")
    p.add_argument("--strict", action="store_true", help="robustness warnings count as failures (exit 1)")
    p.add_argument("--forward-only", action="store_true", help="check values only (for a loss without gradients)")
    p.add_argument("--seed", type=int, default=0, help="probe seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_device_options(p)
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    """Hyperparameters, key mapping and config factory from the options (ValueError on a malformed one)."""
    hyper = parse_assignments(args.config, "--config")
    fiber = args.variant.startswith("fiberpo")
    named = {"fiberpo_c_pos": args.c_pos, "fiberpo_c_neg": args.c_neg, "fiberpo_eps_neg": args.eps_neg}
    if args.eps is not None:
        named |= {"fiberpo_eps": args.eps} if fiber else {"clip_ratio_low": args.eps, "clip_ratio_high": args.eps}
    hyper |= {key: value for key, value in named.items() if value is not None}
    key_map = parse_assignments(args.map, "--map")
    factory = load_loss(args.config_factory) if args.config_factory else None
    return Settings(hyper, {k: str(v) for k, v in key_map.items()}, factory)


def main(argv: list[str]) -> int:
    """Load the loss, run the properties, print the table and diagnosis (or JSON); exit status by VERDICTS, 2 usage."""
    args = parse_or_status(parser(), argv)
    if isinstance(args, int):
        return args
    try:
        device = resolve_device(args.device)
        candidate = load_loss(args.spec)
        settings = settings_from(args)
    except ValueError as error:
        print(f"conform: {error}", file=sys.stderr)
        return 2
    dtype = DTYPES[args.dtype]
    try:
        checker = build_checker(candidate, args.variant, modes=args.modes, dtype=dtype, device=device, seed=args.seed,
                                settings=settings, semantics_name=args.semantics, forward_only=args.forward_only)
    except ValueError as error:
        print(f"conform: {error}", file=sys.stderr)
        return 2
    only = tuple(args.only) if args.only else None
    if isinstance(checker, str):
        results, found, coverage, used = refused(checker, only), [], {}, "none (the loss raised in every mode)"
    else:
        results = checker.run(only, dump_writer(args.dump) if args.dump else None)
        found = deviation_profile(checker, results)
        coverage = checker.coverage
        used = f"{checker.semantics.name} ({checker.semantics.description}; {checker.semantics_reason})"
    outcome = verdict(results, args.strict)
    if args.json:
        print(json.dumps({"spec": args.spec, "variant": args.variant, "semantics": used, "verdict": outcome,
                          "conforms": outcome != "does-not-conform", "properties": [asdict(r) for r in results],
                          "coverage": coverage, "deviations": profile_json(found)}, indent=2))
    else:
        print(f"{args.spec} against {args.variant} ({args.dtype}, {device})\nsemantics: {used}\n")
        print(format_table(results))
        if coverage:
            print("\n" + format_coverage(coverage))
        if found:
            print("\n" + format_profile(found))
        print(f"\n{format_headline(outcome)}")
    return VERDICTS[outcome]
