"""Structural proofs in SymPy: which log-ratios and budgets each gate expression contains (FPO-3, FGH-4).

The FiberPO log-gate (eqs 7-16) and the FiberPO-Domain level inputs (eqs 31, 33) are built symbolically from the
paper's definitions over named log-ratios ℓ and budgets C; a quantity that does not contain a symbol has derivative
identically 0 in it, so "J_ij = 0 for τ_i ≠ τ_j" and "a level's input does not depend on another level's budget"
are read off the expressions' free symbols.
"""

from __future__ import annotations

from itertools import product

import sympy as sp

from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks.jacobian_checks import substatement
from fiberpo_check.verification.checks.presets import PRODUCER, SMALL
from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement

T_MAX = 4
C_POS, C_NEG, EPS = sp.symbols("C_pos C_neg epsilon", positive=True)
LEVELS = ("domain", "group", "trajectory")


def sym_g_agg(x, c, k):
    """g_agg(x, C, k) (eq 10) as a SymPy Piecewise."""
    return sp.Piecewise((x, sp.Abs(x) <= c), (sp.sign(x) * (k + 1) * c - k * x, sp.Abs(x) < (1 + sp.Rational(1, k)) * c),
                        (0, True), evaluate=False)


def sym_clip(x, eps):
    """clip(x, ±ε)."""
    return sp.Min(sp.Max(x, -eps, evaluate=False), eps, evaluate=False)


def channel_aggregates(ell):
    """log s⁺, log s⁻ of one trajectory (eq 9)."""
    return (sum(sp.Max(x, 0, evaluate=False) for x in ell) / len(ell),
            sum(sp.Max(-x, 0, evaluate=False) for x in ell) / len(ell))


def log_gates(ell, aggregates):
    """log G_i of every token of one trajectory from its log-ratios and the aggregates it is given (eqs 7-16)."""
    s_pos, s_neg = aggregates
    k = len(ell)
    base = sym_g_agg(s_pos, C_POS, k) - sym_g_agg(s_neg, C_NEG, k)
    out = []
    for x in ell:
        label = sp.Piecewise((1, x >= 0), (-1, True))  # sign(0) := +1
        same, other = sp.Piecewise((s_pos, x >= 0), (s_neg, True)), sp.Piecewise((s_neg, x >= 0), (s_pos, True))
        u, v = label * x - same, -other
        out.append(base + sym_clip(label * u, EPS) - sym_clip(label * v, EPS))
    return out


def pooled_aggregates(batch):
    """Mutated aggregates pooled over the whole batch (a negative control)."""
    per = [channel_aggregates(ell) for ell in batch]
    return [(sum(p for p, _ in per) / len(per), sum(n for _, n in per) / len(per))] * len(batch)


def block_diagonal_proof(preset: dict = SMALL, sink: dict | None = None, pooled: bool = False,
                         t_max: int = T_MAX) -> list[SubStatement]:
    """FPO-3 in SymPy: log G_i of trajectory τ contains no ℓ of another trajectory, for pairs with T₁, T₂ ≤ t_max."""
    leaks = []
    for t1, t2 in product(range(1, t_max + 1), repeat=2):
        batch = [list(sp.symbols(f"l1_1:{t1 + 1}", real=True)), list(sp.symbols(f"l2_1:{t2 + 1}", real=True))]
        aggregates = pooled_aggregates(batch) if pooled else [channel_aggregates(ell) for ell in batch]
        for own, other in ((0, 1), (1, 0)):
            for gate in log_gates(batch[own], aggregates[own]):
                stray = gate.free_symbols & set(batch[other])
                if stray:
                    leaks.append(f"T = ({t1}, {t2}): log G of trajectory {own + 1} contains {sorted(map(str, stray))}")
    return [substatement("FPO-3/block-diagonal", Outcome(
        "proof", "sympy", f"every pair of trajectories with T₁, T₂ ≤ {t_max}, all ℓ, C± > 0, ε > 0"
        + (" (aggregates pooled over the batch)" if pooled else "") + "; ∂ log G_i/∂ℓ_j ≡ 0 when log G_i does not "
        "contain ℓ_j", holds=not leaks, counterexample=leaks[0] if leaks else "",
        measurements={"pairs": t_max ** 2, "leaking_gates": len(leaks)}, bound=f"T₁, T₂ ≤ {t_max}"))]


def level_inputs_of(hierarchy, budgets, coupled: bool = False):
    """Per-channel level inputs log s_D, log s_g − log s_D, log s_τ − log s_g of the first trajectory (eqs 31, 33).

    coupled=True feeds the group level the residual after the domain gate (a negative control)."""
    inputs = {}
    for channel, pick in (("pos", 0), ("neg", 1)):
        per_traj = {key: channel_aggregates(ell)[pick] for key, ell in hierarchy.items()}
        tokens = {key: len(ell) for key, ell in hierarchy.items()}

        def mean(keys):
            return sum(tokens[k] * per_traj[k] for k in keys) / sum(tokens[k] for k in keys)

        domain_keys = [k for k in hierarchy if k[0] == 0]
        group_keys = [k for k in domain_keys if k[1] == 0]
        log_s_d, log_s_g, log_s_t = mean(domain_keys), mean(group_keys), per_traj[(0, 0, 0)]
        domain_input = log_s_d
        group_input = log_s_g - log_s_d
        if coupled:
            group_input = log_s_g - sym_g_agg(log_s_d, budgets[(channel, "domain")], sum(tokens[k] for k in
                                                                                           domain_keys))
        inputs[(channel, "domain")], inputs[(channel, "group")] = domain_input, group_input
        inputs[(channel, "trajectory")] = log_s_t - log_s_g
    return inputs


def level_independence_proof(preset: dict = SMALL, sink: dict | None = None,
                             coupled: bool = False) -> list[SubStatement]:
    """FGH-4 in SymPy: no level's gate input contains any budget C^±_level (2 domains × 2 groups × 2 trajectories)."""
    hierarchy = {(d, g, t): list(sp.symbols(f"l_{d}{g}{t}_1:{2 + t}", real=True)) for d, g, t in product(range(2),
                                                                                                       repeat=3)}
    budgets = {(c, level): sp.Symbol(f"C_{c}_{level}", positive=True) for c in ("pos", "neg") for level in LEVELS}
    inputs = level_inputs_of(hierarchy, budgets, coupled)
    found = [f"the {c} {level} input contains {sorted(map(str, expr.free_symbols & set(budgets.values())))}"
             for (c, level), expr in sorted(inputs.items()) if expr.free_symbols & set(budgets.values())]
    return [substatement("FGH-4/independent-inputs", Outcome(
        "proof", "sympy", "2 domains × 2 groups × 2 trajectories (T = 1, 2), all ℓ, per-level budgets C^±_level > 0"
        + (" (group level fed the domain gate's residual)" if coupled else ""), holds=not found,
        counterexample=found[0] if found else "", measurements={"inputs": len(inputs)},
        bound="2 domains × 2 groups × 2 trajectories"))]


register("FPO-3", PRODUCER, "block_diagonal_sympy",
         controls={"batch_pooled_aggregates": lambda: block_diagonal_proof(pooled=True, t_max=2)})(block_diagonal_proof)
register("FGH-4", PRODUCER, "level_inputs_sympy",
         controls={"residual_inputs": lambda: level_independence_proof(coupled=True)})(level_independence_proof)
