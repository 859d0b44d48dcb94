"""What the conformance checker tells the user: the property table, the deviation profile, and failing-probe dumps."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch

from fiberpo_check.verification.conform import Checker, Mismatch, PropertyResult
from fiberpo_check.verification.conform_probes import Probe
from fiberpo_check.verification.conform_variants import deviations

PROFILE_FAMILIES = ("on_policy", "regimes", "zero_log_ratio", "logclip", "aggregation", "rollout_is_weights",
                    "large_log_ratio")


@dataclass(frozen=True)
class Deviation:
    """A known deviation the loss matches on every profile probe, and the probe where it differs from the definition."""

    name: str
    probe: str
    mode: str
    loss: float
    definition: float
    deviation: float

    def line(self) -> str:
        """One report line."""
        shown = (f"loss={self.loss:.10g}, definition={self.definition:.10g}, this deviation={self.deviation:.10g}"
                 if self.loss != self.definition else "same value, the gradient differs")
        return f"{self.name}: shown by {self.probe} mode={self.mode}: {shown}"


def agrees(checker: Checker, probe: Probe, mode: str, got, want) -> bool:
    """True when value and gradient agree within the checker's tolerance."""
    try:
        checker.compare_value(probe, mode, got.value, want.value)
        if got.grad is not None and want.grad is not None:
            checker.compare_grad(probe, mode, got.grad, want.grad)
    except Mismatch:
        return False
    return True


def profile_cases(checker: Checker) -> list[tuple[Probe, str]]:
    """(probe, mode) pairs of the profile: native mode everywhere, every accepted mode on the aggregation probes,
    each advantage sign separately, and the fully masked row."""
    cases = []
    for family in PROFILE_FAMILIES:
        modes = checker.modes if family == "aggregation" else checker.native_modes()
        cases += [(probe, mode) for probe in checker.families.get(family, []) for mode in modes]
    signed = [checker.sign_restricted(p, s) for p in checker.families["regimes"][:2] for s in (1.0, -1.0)]
    cases += [(probe, checker.native_modes()[0]) for probe in signed + checker.families["masks"][-1:]]
    return cases


def deviation_profile(checker: Checker) -> list[Deviation]:
    """Every known deviation of the variant that the loss matches, each with the probe that tells it apart."""
    cases = []
    for probe, mode in profile_cases(checker):
        try:
            cases.append((probe, mode, checker.run_candidate(probe, mode)))
        except Mismatch:  # the loss raises here: no deviation explains an exception
            continue
    found = []
    for name, loss_fn in deviations(checker.variant).items():
        match = deviation_match(checker, name, loss_fn, cases)
        if match is not None:
            found.append(match)
    return (found or sign_only_matches(checker, cases)) + padding_leaks(checker)


def deviation_match(checker: Checker, name: str, loss_fn, cases) -> Deviation | None:
    """The Deviation when the loss agrees with `loss_fn` on some case where the definition does not (evidence), and
    never agrees with the definition where `loss_fn` departs from it (no contradiction). Cases where the loss matches
    neither are left to other deviations, so combinations of deviations are each found."""
    shown = None
    for probe, mode, got in cases:
        try:
            want = checker.run_reference(probe, mode, loss_fn, grad=got.grad is not None)
        except Mismatch:
            return None
        definition = checker.run_reference(probe, mode, grad=got.grad is not None)
        if agrees(checker, probe, mode, want, definition):
            continue
        if agrees(checker, probe, mode, got, definition):
            return None  # the deviation would show here, and the loss does not have it
        if shown is None and agrees(checker, probe, mode, got, want):
            shown = Deviation(name, probe.label, mode, float(got.value), float(definition.value), float(want.value))
    return shown


def sign_only_matches(checker: Checker, cases) -> list[Deviation]:
    """'Matches the definition only where A > 0 (or < 0)': a hyperparameter that depends on the advantage's sign."""
    verdict = {}
    for sign in ("> 0", "< 0"):
        signed = [(p, m, got) for p, m, got in cases if p.name.endswith(f"A {sign}")]
        results = [(p, m, got, checker.run_reference(p, m, grad=got.grad is not None)) for p, m, got in signed]
        verdict[sign] = (all(agrees(checker, *r) for r in results), results)
    found = []
    for sign, other in (("> 0", "< 0"), ("< 0", "> 0")):
        if verdict[sign][0] and not verdict[other][0] and verdict[other][1]:
            probe, mode, got, want = next(r for r in verdict[other][1] if not agrees(checker, *r))
            found.append(Deviation(f"matches the definition only where A {sign} (a per-advantage-sign "
                                   "hyperparameter?)", probe.label, mode, float(got.value), float(want.value),
                                   float("nan")))
    return found


def padding_leaks(checker: Checker) -> list[Deviation]:
    """NaN/inf at masked positions reaching the loss or its gradient (a mask multiplied in instead of selected)."""
    leaks: dict[str, list] = {}
    for probe in checker.families["masks"][:-1]:
        for mode in checker.modes:
            try:
                got = checker.run_candidate(probe, mode)
            except Mismatch:
                continue
            if not bool(torch.isfinite(got.value)):
                where = "the loss"
            elif got.grad is not None and not bool((got.grad[~probe.response_mask] == 0).all()):
                where = "the gradient at masked positions"
            else:
                continue
            leaks.setdefault(where, []).append((probe, mode, got))
            break
    found = []
    for where, hits in leaks.items():
        probe, mode, got = hits[0]
        kinds = ", ".join(p.name.split()[0] for p, _, _ in hits)
        found.append(Deviation(f"{kinds} padding leaks into {where} (mask multiplied in, not selected)", probe.label,
                               mode, float(got.value), float(checker.run_reference(probe, mode, grad=False).value),
                               float("nan")))
    return found


def format_table(results: list[PropertyResult]) -> str:
    """A pass/fail table, one row per property, with the first counterexample of each failure (or why n/a)."""
    lines = [f"{'property':<24} {'status':<6} {'checks':>6}  first counterexample / note", "-" * 80]
    for result in results:
        lines.append(f"{result.name:<24} {result.status:<6} {result.checks:>6}  {result.counterexample or ''}")
    return "\n".join(lines)


def format_profile(found: list[Deviation]) -> str:
    """The deviation profile as text."""
    if not found:
        return "deviation profile: no known deviation explains the failures"
    return "deviation profile (known variants the loss matches):\n" + "\n".join(f"  - {d.line()}" for d in found)


def profile_json(found: list[Deviation]) -> list[dict]:
    """The deviation profile as JSON-ready dicts (a non-finite number becomes null)."""
    return [{k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in asdict(d).items()}
            for d in found]


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
