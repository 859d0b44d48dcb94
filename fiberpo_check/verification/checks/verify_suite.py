"""`make verify`: run every registered numeric and exact check of the `verify` producer, write results and verdicts.

The modules whose checks run are listed in CHECK_MODULES (importing one registers its checks); each check returns
sub-statements with outcomes, and `check_registry.run_checks` turns them into one Verdict per claim. Raw
measurements go to results/verify/<claim>_<check>.json.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import torch

from fiberpo_check import paths
from fiberpo_check.vocabulary.check_registry import collect, run_checks
from fiberpo_check.verification.checks import (
    first_order_verdicts,
    hierarchy_checks,
    jacobian_checks,
    regime_map,
    rgf_forms,
)
from fiberpo_check.verification.checks.presets import PRESETS
from fiberpo_check.vocabulary.verdicts import Verdict

CHECK_MODULES = (first_order_verdicts, hierarchy_checks, jacobian_checks, regime_map, rgf_forms)
CHECKS = collect(CHECK_MODULES)  # every check of the `verify` producer


def write_json(name: str, payload, out_dir: Path) -> Path:
    """results/verify/<name>.json, deterministic."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=float) + "\n")
    return path


def write_csv(name: str, rows: list[dict], out_dir: Path) -> Path:
    """results/verify/<name>.csv with the rows' keys as header."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def scaling_table(rows: list[dict], exponent: float) -> str:
    """The tokens -> seconds table printed by `make verify`."""
    lines = ["  tokens        trajectories   seconds   eq20 gap   leak", "  " + "-" * 56]
    for r in rows:
        gap = max(r["eq20_jvp"], r["eq20_vjp"])
        lines.append(f"  {r['tokens']:>11,d}   {r['trajectories']:>10,d}   {r['seconds']:7.2f}   {gap:8.1e}   "
                     f"{r['trajectory_leak']:.0e}")
    lines.append(f"  best of 2, one CPU thread; log-log slope of seconds vs tokens (>= 1e5 tokens): {exponent:.2f} "
                 f"(1 = linear)")
    return "\n".join(lines)


def run_verify(preset: str = "default", *, device: str = "cpu", dtype: torch.dtype = torch.float64,
               out_dir: Path | None = None, say=print) -> list[Verdict]:
    """Every registered check of the `verify` producer at `preset` sizes; returns the verdicts (the caller writes)."""
    if preset not in PRESETS:
        raise ValueError(f"preset: {preset!r} is not one of {tuple(PRESETS)}")
    out_dir = out_dir or paths.VERIFY_RESULTS
    settings = {**PRESETS[preset], "device": device, "dtype": dtype}
    sinks: dict[str, dict] = {}
    verdicts = run_checks(CHECKS, say=say, sinks=sinks, preset=settings)
    for name, payload in sorted(sinks.items()):
        if payload:
            write_json(name, payload, out_dir)
        if "scaling" in payload:
            write_csv("jacobian_scaling", payload["scaling"], out_dir)
            say(scaling_table(payload["scaling"], payload["scaling_exponent"]))
    return verdicts
