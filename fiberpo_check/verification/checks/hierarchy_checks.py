"""Registered float64 cross-checks of the FiberPO-Domain claims (FGH-2, FGH-3, FGH-4): outcomes, never statuses."""

from __future__ import annotations

import torch

from fiberpo_check.engine.fibration import gated_ratios
from fiberpo_check.engine.fibration_objects import fiberpo_domain_instance
from fiberpo_check.engine.gates import g_agg
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_gate, fiberpo_domain_parts
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks import jacobian_suite
from fiberpo_check.verification.checks.jacobian_checks import NEAR, float_outcome, substatement
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER
from fiberpo_check.verification.checks.jacobian_probes import (
    GateHyper,
    extremal_batch,
    identity_defect,
    identity_gap,
    identity_radius,
)
from fiberpo_check.verification.checks.mutants import mutant_map
from fiberpo_check.verification.checks.presets import MACHINE, PRODUCER, SMALL
from fiberpo_check.verification.checks.probe_batches import hierarchy_ids, mixed_regime_batch, random_lengths
from fiberpo_check.vocabulary.verdicts import SubStatement

N_TRAJ, MAX_LEN, GROUP_SIZE, GROUPS_PER_DOMAIN, SEED = 24, 16, 3, 2, 3
BUDGETS = FIBERPO_HYPER
PER_LEVEL = {"domain": 0.2, "group": 0.1, "trajectory": 0.05}
BATCH = (f"{N_TRAJ} trajectories (T ≤ {MAX_LEN}) in groups of {GROUP_SIZE}, {GROUPS_PER_DOMAIN} groups per domain, "
         "mixed base regimes")


def hierarchy_batch():
    """The mixed-regime FiberPO-Domain probe batch: log-ratios, mask, group ids, domain ids."""
    log_ratio, mask = mixed_regime_batch(random_lengths(N_TRAJ, MAX_LEN, seed=SEED), c_pos=BUDGETS["c_pos"],
                                         c_neg=BUDGETS["c_neg"], seed=SEED)
    return (log_ratio, mask, *hierarchy_ids(N_TRAJ, GROUP_SIZE, GROUPS_PER_DOMAIN))


def engine_check(preset: dict = SMALL, sink: dict | None = None, wrong_domains: bool = False) -> list[SubStatement]:
    """FGH-2: the generic FGH engine with the App. E.7 objects (eqs 26, 27) against the closed form (eqs 30-33).

    wrong_domains builds the engine with group g in domain g mod (number of domains) (a negative control)."""
    log_ratio, mask, group, domain = hierarchy_batch()
    engine_domain = group % (int(domain.max()) + 1) if wrong_domains else domain
    closed = fiberpo_domain_gate(log_ratio, mask, group, domain, **BUDGETS)[mask]
    gaps = {form: float((gated_ratios(fiberpo_domain_instance(mask, group, engine_domain, **BUDGETS),
                                      log_ratio[mask], form) - closed).abs().max()) for form in ("compact", "expanded")}
    gap = max(gaps.values())
    return [substatement("FGH-2/closed-form", float_outcome(
        BATCH + ("; engine given domain = group mod (number of domains)" if wrong_domains else ""),
        gap <= MACHINE, f"engine and closed form differ by {gap:.3g}", compact_gap=gaps["compact"],
        expanded_gap=gaps["expanded"], bound=MACHINE))]


def domain_identity_ball_defect(length: int, *, n_random: int = 60, seed: int = 0) -> float:
    """max |log G - log r| of FiberPO-Domain on random and extremal points just inside FiberPO's identity ball."""
    shared = GateHyper()
    rho = identity_radius(torch.tensor([length]), shared) * (1 - NEAR)
    extremal, _ = extremal_batch(length, rho)
    gen = torch.Generator().manual_seed(seed)
    random_rows = rho * (2 * torch.rand(n_random, length, generator=gen, dtype=torch.float64) - 1)
    points = torch.cat([extremal, extremal.flip(0), random_rows])
    group, domain = hierarchy_ids(points.shape[0], GROUP_SIZE, GROUPS_PER_DOMAIN)
    hyper = GateHyper(shared.c_pos, shared.c_neg, shared.eps, group, domain)
    return identity_defect(points, torch.ones_like(points, dtype=torch.bool), hyper)


def identity_check(preset: dict = SMALL, sink: dict | None = None, mutant: str | None = None) -> list[SubStatement]:
    """FGH-3: FiberPO-Domain at r = 1 and NEAR beside it: G = r and J v = v (§6.2)."""
    _, mask, group, domain = hierarchy_batch()
    hyper = GateHyper(BUDGETS["c_pos"], BUDGETS["c_neg"], BUDGETS["eps"], group, domain)
    gaps = identity_gap(mask, hyper, fn=mutant_map(mutant, mask, hyper) if mutant else None, near=NEAR)
    ball = domain_identity_ball_defect(length=MAX_LEN)
    if sink is not None:
        sink.update(identity=gaps, identity_ball_defect=ball)
    name = f"gate '{mutant}'" if mutant else "the FiberPO-Domain gate"
    return [substatement("FGH-3/identity", float_outcome(
        f"{name}, {BATCH}: r = 1 and a mixed-sign point {NEAR:g} away", max(gaps.values()) <= MACHINE,
        f"|G − r| = {gaps['value']:.3g}, |J v − v| = {gaps['jvp']:.3g}", value_gap=gaps["value"],
        jvp_gap=gaps["jvp"], identity_ball_defect=ball))]


def residual_inputs_parts(log_ratio, mask, group, domain, *, c_pos, c_neg, eps):
    """A mutated hierarchy whose group level sees the residual after the domain gate (inputs coupled to budgets)."""
    parts = fiberpo_domain_parts(log_ratio, mask, group, domain, c_pos=c_pos, c_neg=c_neg, eps=eps)
    for channel in ("pos", "neg"):
        x_group, c_group, t_group = parts.base_gates[(channel, "group")]
        x_domain, c_domain, t_domain = parts.base_gates[(channel, "domain")]
        parts.base_gates[(channel, "group")] = (x_group + x_domain - g_agg(x_domain, c_domain, t_domain), c_group,
                                                t_group)
    return parts


def independence_check(preset: dict = SMALL, sink: dict | None = None,
                       parts_fn=fiberpo_domain_parts) -> list[SubStatement]:
    """FGH-4: every level's gate input is unchanged when another level's budget changes (eq 31)."""
    log_ratio, mask, group, domain = hierarchy_batch()
    base = parts_fn(log_ratio, mask, group, domain, c_pos=PER_LEVEL, c_neg=PER_LEVEL, eps=BUDGETS["eps"])
    changed_budgets = {"c_pos": {**PER_LEVEL, "domain": PER_LEVEL["domain"] / 100},
                       "c_neg": {**PER_LEVEL, "group": PER_LEVEL["group"] / 100}}
    changed = parts_fn(log_ratio, mask, group, domain, **changed_budgets, eps=BUDGETS["eps"])
    shift = {f"{c}/{level}": float((base.base_gates[(c, level)][0] - changed.base_gates[(c, level)][0]).abs().max())
             for c, level in sorted(base.base_gates)}
    structure = jacobian_suite.domain_structure_rows() if sink is not None else []
    if sink is not None:
        sink.update(input_shift=shift, structure=structure)
    moved = {key: value for key, value in shift.items() if value != 0.0}
    return [substatement("FGH-4/independent-inputs", float_outcome(
        f"{BATCH}; budgets {PER_LEVEL}, then C⁺_domain and C⁻_group divided by 100",
        not moved, f"gate inputs moved when other levels' budgets changed: {moved}",
        max_input_shift=max(shift.values())))]


register("FGH-2", PRODUCER, "fgh_engine_vs_closed_form",
         controls={"wrong_domain_ids": lambda: engine_check(wrong_domains=True)})(engine_check)
register("FGH-3", PRODUCER, "domain_identity_probes",
         controls={"missing_opposite_factor": lambda: identity_check(mutant="missing_opposite_factor")})(identity_check)
register("FGH-4", PRODUCER, "level_input_independence",
         controls={"residual_inputs": lambda: independence_check(parts_fn=residual_inputs_parts)})(independence_check)
