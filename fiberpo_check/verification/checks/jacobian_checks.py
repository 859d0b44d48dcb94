"""Registered float64 cross-checks of the FiberPO Jacobian claims (Props 5.2-5.5): outcomes, never statuses.

Each check measures, compares the measurement with its bound, and reports an `Outcome` per sub-statement; its
controls run the same measurement on a mutated gate (mutants.py) and must come out refuted.
"""

from __future__ import annotations

import torch

from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks import jacobian_suite
from fiberpo_check.verification.checks.jacobian_probes import (
    GateHyper,
    block_leak,
    eq20_probe_gap,
    identity_gap,
    identity_radius_check,
)
from fiberpo_check.verification.checks.mutants import mutant_map
from fiberpo_check.verification.checks.presets import MACHINE, PRODUCER, SMALL
from fiberpo_check.verification.checks.probe_batches import mixed_regime_batch, random_lengths
from fiberpo_check.vocabulary.claims import part
from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement

ENGINE = "float64 (torch)"
RADIUS_LENGTHS = (1, 2, 8, 64, 512)
REGIME_TRAJECTORIES, DENSE_TRAJECTORIES, MUTANT_TRAJECTORIES, MUTANT_MAX_LEN = 24, 6, 16, 12
NEAR = 1e-6  # distance of the off-policy probe point and relative margin around the identity radius
BALL_DEFECT = 1e-15  # |log G − log r| counted as exactly 0 (a few float64 ulps of log r)
COUPLING_BOUND = 2.0  # |γ − 1[|u| ≤ ε] − 1[|v| ≤ ε]| ≤ 2 when γ ∈ {0, 1}: (b) ≤ 2/T outside rollback


def machine_tolerance(dtype: torch.dtype) -> float:
    """Agreement threshold of the probes run in `dtype`: MACHINE in float64, scaled by the dtype's epsilon otherwise."""
    return max(MACHINE, 1e4 * torch.finfo(dtype).eps)


def substatement(part_id: str, *outcomes: Outcome) -> SubStatement:
    """The listed sub-statement `part_id` (text and source from claims.py) with its outcomes."""
    listed = part(part_id)
    return SubStatement(listed.id, listed.text, listed.source, outcomes, listed.role)


def mutant_batch(hyper: GateHyper, seed: int = 0):
    """The mixed-regime batch every mutant is probed on."""
    lengths = random_lengths(MUTANT_TRAJECTORIES, MUTANT_MAX_LEN, seed=seed)
    return mixed_regime_batch(lengths, c_pos=hyper.c_pos, c_neg=hyper.c_neg, seed=seed)


MUTANT_DOMAIN = f"{MUTANT_TRAJECTORIES} mixed-regime trajectories, T ≤ {MUTANT_MAX_LEN}"


def float_outcome(domain: str, holds: bool, counterexample: str, **measurements) -> Outcome:
    """A float64 outcome: holds when the measurement is within its bound; the failing measurement otherwise."""
    return Outcome("float", ENGINE, domain, holds=bool(holds), counterexample="" if holds else counterexample,
                   measurements=measurements)


def eq20_check(preset: dict = SMALL, sink: dict | None = None, mutant: str | None = None) -> list[SubStatement]:
    """FPO-2: autodiff JVP/VJP against the O(tokens) eq-20 closed form in all nine base-regime pairs, at scale."""
    hyper = GateHyper()
    if mutant is not None:
        log_ratio, mask = mutant_batch(hyper)
        gap = max(eq20_probe_gap(log_ratio, mask, hyper, fn=mutant_map(mutant, mask, hyper)).values())
        return [substatement("FPO-2/eq20", float_outcome(
            f"gate '{mutant}' on {MUTANT_DOMAIN}", gap <= MACHINE,
            f"autodiff of the mutated gate differs from eq 20 by {gap:.3g}", max_relative_gap=gap))]
    device, dtype = preset.get("device", "cpu"), preset.get("dtype", torch.float64)
    regimes = jacobian_suite.regime_rows(hyper, n_traj=REGIME_TRAJECTORIES, device=device, dtype=dtype)
    scaling = jacobian_suite.scaling_rows(preset["tokens"], hyper, device=device, dtype=dtype)
    dense = jacobian_suite.dense_cross_check(hyper, n_traj=DENSE_TRAJECTORIES)
    if sink is not None:
        sink.update(regimes=regimes, dense=dense, scaling=scaling,
                    scaling_exponent=jacobian_suite.scaling_exponent(scaling))
    worst = max(regimes + scaling, key=lambda r: max(r["eq20_jvp"], r["eq20_vjp"]))
    gap = max(worst["eq20_jvp"], worst["eq20_vjp"])
    tol = machine_tolerance(dtype)
    holds = gap <= tol and dense["eq20_blocks"] <= MACHINE
    return [substatement("FPO-2/eq20", float_outcome(
        f"9 (C⁺, C⁻) regime pairs × {REGIME_TRAJECTORIES} trajectories, and {scaling[-1]['tokens']:,} tokens; "
        "JVP/VJP probes and a dense Jacobian",
        holds, f"gap {gap:.3g} at {worst.get('regime_pos', 'scale')}/{worst.get('regime_neg', 'scale')}",
        max_relative_gap=gap, dense_block_gap=dense["eq20_blocks"], bound=tol, dtype=str(dtype)))]


def block_check(preset: dict = SMALL, sink: dict | None = None, mutant: str | None = None) -> list[SubStatement]:
    """FPO-3: JVP probes supported on half the trajectories never reach the other half (Property 5.3)."""
    hyper = GateHyper()
    if mutant is not None:
        log_ratio, mask = mutant_batch(hyper)
        leak = block_leak(mutant_map(mutant, mask, hyper), log_ratio, mask, torch.arange(mask.shape[0]))
        domain = f"gate '{mutant}' on {MUTANT_DOMAIN}"
    else:
        regimes = jacobian_suite.regime_rows(hyper, n_traj=REGIME_TRAJECTORIES)
        dense = jacobian_suite.dense_cross_check(hyper, n_traj=DENSE_TRAJECTORIES)
        leak = max([r["trajectory_leak"] for r in regimes] + [dense["off_block_max"]])
        domain = (f"9 (C⁺, C⁻) regime pairs × {REGIME_TRAJECTORIES} trajectories; dense Jacobian of "
                  f"{DENSE_TRAJECTORIES} trajectories")
    return [substatement("FPO-3/block-diagonal", float_outcome(
        domain, leak == 0.0, f"a probe on one half of the trajectories leaks {leak:.3g} into the other",
        max_leak=leak))]


def identity_check(preset: dict = SMALL, sink: dict | None = None, mutant: str | None = None,
                   radius_scale: float = 1.0) -> list[SubStatement]:
    """FPO-4: G = r and J v = v at r = 1 and NEAR beside it; G = r exactly inside the identity ball."""
    hyper = GateHyper()
    _, mask = mutant_batch(hyper)
    fn = mutant_map(mutant, mask, hyper) if mutant else None
    gaps = identity_gap(mask, hyper, fn=fn, near=NEAR)
    radius = {length: identity_radius_check(length, hyper, rel=NEAR, scale=radius_scale) for length in RADIUS_LENGTHS}
    if sink is not None:
        sink.update(identity=gaps, radius=radius)
    inside = max(r["inside_defect"] for r in radius.values())
    outside = min(r["outside_defect"] for r in radius.values())
    name = f"gate '{mutant}'" if mutant else "the FiberPO gate"
    return [
        substatement("FPO-4/identity", float_outcome(
            f"{name}, {MUTANT_DOMAIN}: r = 1 and a mixed-sign point {NEAR:g} away", max(gaps.values()) <= MACHINE,
            f"|G − r| = {gaps['value']:.3g}, |J v − v| = {gaps['jvp']:.3g}", value_gap=gaps["value"],
            jvp_gap=gaps["jvp"])),
        substatement("FPO-4/identity-ball", float_outcome(
            f"T ∈ {list(RADIUS_LENGTHS)}, random and extremal points {NEAR:g} (relative) inside and outside "
            f"{radius_scale:g} × min(C⁺, C⁻, ε T/(T − 1))",
            inside <= BALL_DEFECT and outside > 0,
            f"defect {inside:.3g} inside, {outside:.3g} outside", inside_defect=inside, outside_defect=outside)),
    ]


def scale_separation_check(preset: dict = SMALL, sink: dict | None = None,
                           coupling_scale: str = "1/T") -> list[SubStatement]:
    """FPO-5: T × max|(b)| stays bounded in every base regime (Property 5.5), else the regimes where it does."""
    hyper = GateHyper()
    rows = jacobian_suite.scale_separation_rows(hyper, tuple(preset["separation_lengths"]),
                                                coupling_scale=coupling_scale)
    if sink is not None:
        sink.update(scale_separation=rows)
    worst = {regime: max(r["coupling_entry_max_times_T"] for r in rows if r["regime"] == regime)
             for regime in ("pass", "rollback", "zeroed")}
    bounded = {regime: value <= COUPLING_BOUND + 1e-12 for regime, value in worst.items()}
    failing = [r for r in rows if r["coupling_entry_max_times_T"] > COUPLING_BOUND + 1e-12]
    first = min(failing, key=lambda r: r["T"]) if failing else None
    lengths = sorted({r["T"] for r in rows})
    return [substatement("FPO-5/coupling", Outcome(
        "float", ENGINE, f"eq 20 of 4 trajectories per regime, T ∈ {lengths}", holds=all(bounded.values()),
        counterexample="" if first is None else (
            f"{first['regime']} regime, T = {first['T']}: max |(b)| = {first['coupling_entry_max']:.3g}, "
            f"T·max|(b)| = {first['coupling_entry_max_times_T']:.3g} > {COUPLING_BOUND}"),
        condition="" if first is None else "neither channel of the trajectory is in rollback",
        condition_holds=None if first is None else bounded["pass"] and bounded["zeroed"],
        measurements={"T_times_max_coupling": worst, "self_term_max": max(r["self_max"] for r in rows),
                      "bound": COUPLING_BOUND}))]


register("FPO-2", PRODUCER, "eq20_probes", controls={
    name: (lambda name=name: eq20_check(mutant=name)) for name in ("detached_aggregates", "unit_rollback_slope")
})(eq20_check)
register("FPO-3", PRODUCER, "trajectory_block_leak", controls={
    "batch_pooled_aggregates": lambda: block_check(mutant="batch_pooled_aggregates")})(block_check)
register("FPO-4", PRODUCER, "identity_probes", controls={
    "missing_opposite_factor": lambda: identity_check(mutant="missing_opposite_factor"),
    "radius_doubled": lambda: identity_check(radius_scale=2.0)})(identity_check)
register("FPO-5", PRODUCER, "coupling_scaling", controls={
    "coupling_without_1_over_T": lambda: scale_separation_check(coupling_scale="1")})(scale_separation_check)
