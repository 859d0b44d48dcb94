"""What the conformance checker tells the user: the verdict, the property table in two sections (the definition,
robustness), probe coverage, the diagnosis in words, and failing-probe dumps."""

from __future__ import annotations

import math
from dataclasses import asdict, fields
from pathlib import Path

import torch

from fiberpo_check.verification.conform import ROBUSTNESS, Checker, Mismatch, PropertyResult
from fiberpo_check.verification.conform_diagnosis import Finding, diagnose

HEADLINE = {"conforms": "CONFORMS", "conforms-with-warnings": "CONFORMS, WITH ROBUSTNESS WARNINGS",
            "does-not-conform": "DOES NOT CONFORM"}


def deviation_profile(checker: Checker, results: list[PropertyResult] | None = None) -> list[Finding]:
    """The diagnosis of a checked loss (runs every property first when `results` is None)."""
    return diagnose(checker, checker.run() if results is None else results)


def format_rows(results: list[PropertyResult]) -> list[str]:
    """One line per property, and for a failure or warning a second line saying what was checked."""
    lines = []
    for result in results:
        lines.append(f"{result.name:<24} {result.status:<6} {result.checks:>6}  {result.counterexample or ''}")
        if result.status in ("fail", "warn") and result.checked:
            lines.append(f"{'':<38}checked: {result.checked}")
    return lines


def format_table(results: list[PropertyResult]) -> str:
    """The property table: properties of the definition, then robustness properties (failures there are warnings)."""
    header = [f"{'property':<24} {'status':<6} {'checks':>6}  first counterexample / note", "-" * 80]
    definition = [r for r in results if r.name not in ROBUSTNESS]
    robustness = [r for r in results if r.name in ROBUSTNESS]
    lines = header + ["properties of the definition:"] + format_rows(definition)
    if robustness:
        lines += ["robustness (outside the paper's definition; a failure is a warning):"] + format_rows(robustness)
    return "\n".join(lines)


def format_coverage(coverage: dict[str, list[int]]) -> str:
    """Cases run (probe x mode) per degenerate probe class, and how many failed."""
    return "probe coverage (probe x mode cases per degenerate class): " + ", ".join(
        f"{name} {run}" + (f" ({failed} failing)" if failed else "") for name, (run, failed) in coverage.items())


def format_profile(found: list[Finding]) -> str:
    """The diagnosis as text: deviations from the definition, then robustness warnings."""
    lines = []
    deviations = [f for f in found if f.level == "deviation"]
    warnings = [f for f in found if f.level == "warning"]
    if deviations:
        lines += ["diagnosis (deviations from the definition):"] + [f"  - {f.line()}" for f in deviations]
    if warnings:
        lines += ["robustness warnings:"] + [f"  - {f.line()}" for f in warnings]
    return "\n".join(lines)


def format_headline(verdict_name: str) -> str:
    """The verdict in capitals."""
    return HEADLINE[verdict_name]


def profile_json(found: list[Finding]) -> list[dict]:
    """The diagnosis as JSON-ready dicts (a non-finite number becomes null)."""
    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return {k: clean(v) for k, v in value.items()} if isinstance(value, dict) else value

    return [clean(asdict(f)) for f in found]


def dump_writer(directory: str | Path):
    """A callback for Checker.run that saves each failing probe, the expected output and the loss's own output."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)

    def dump(name: str, checker: Checker, error: Mismatch) -> None:
        probe, mode = error.probe, error.mode or checker.modes[0]
        expected = checker.run_reference(probe, mode)
        inputs = {f.name: getattr(probe, f.name) for f in fields(probe) if f.name not in ("family", "name")}
        torch.save({"property": name, "counterexample": str(error), "probe": probe.label, "loss_agg_mode": mode,
                    "inputs": inputs, "candidate_config": checker.settings.render(probe.config)
                    if checker.settings.factory is None else None,
                    "expected_loss": expected.value, "expected_grad": expected.grad}, root / f"{name}.pt")

    return dump
