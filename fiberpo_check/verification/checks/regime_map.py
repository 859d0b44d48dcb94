"""Global regimes of the base weight (§5.1, Fig 2b) and clip counts under trajectory drift (§5.2, Fig 4)."""

from __future__ import annotations

from fractions import Fraction

import torch

from fiberpo_check.engine.gates import (
    FIG4_CONFIG,
    GLOBAL_REGIMES,
    g_agg,
    gate_regime,
    global_regime,
    zeroing_threshold,
)
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts
from fiberpo_check.engine import exact_regimes
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks import regime_exact
from fiberpo_check.verification.checks.jacobian_checks import float_outcome, substatement
from fiberpo_check.verification.checks.presets import PRODUCER, SMALL
from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement

FIG4_EPS = Fraction(str(FIG4_CONFIG["eps"]))  # its fiber clip ε = 1/25, exact


def base_weight_grid(c_pos: float, c_neg: float, k: float, *, extent: float = 0.4, n: int = 401, gate=g_agg) -> dict:
    """log w = gate(log s+) - gate(log s-) and the global regime on a grid of (log s+, log s-) >= 0 (eq 8)."""
    axis = torch.linspace(0, extent, n, dtype=torch.float64)
    s_pos, s_neg = torch.meshgrid(axis, axis, indexing="ij")
    log_w = gate(s_pos, c_pos, k) - gate(s_neg, c_neg, k)
    regime = global_regime(gate_regime(s_pos, c_pos, k), gate_regime(s_neg, c_neg, k))
    return {"s_pos": s_pos, "s_neg": s_neg, "log_w": log_w, "regime": regime}


def regime_facts(c_pos: float = 0.20, c_neg: float = 0.10, k: float = 2.0, gate=g_agg) -> dict:
    """Five regimes present; G-I is the plain IS ratio; G-III gives w = 1; |log w| rises then falls along rays."""
    grid = base_weight_grid(c_pos, c_neg, k, gate=gate)
    regime, log_w = grid["regime"], grid["log_w"]
    present = [name for index, name in enumerate(GLOBAL_REGIMES) if bool((regime == index).any())]
    g1 = regime == 0
    g3 = regime == 4
    unimodal, non_monotone = [], []
    for angle in torch.linspace(0.15, 1.42, 12, dtype=torch.float64):
        reach = 1.2 * zeroing_threshold(max(c_pos / float(torch.cos(angle)), c_neg / float(torch.sin(angle))), k)
        ray = torch.linspace(0, reach, 4001, dtype=torch.float64)
        along = (gate(ray * torch.cos(angle), c_pos, k) - gate(ray * torch.sin(angle), c_neg, k)).abs()
        peak = int(along.argmax())
        rises = bool((along[1 : peak + 1] - along[:peak] >= -1e-15).all())
        falls = bool((along[peak + 1 :] - along[peak:-1] <= 1e-15).all())
        non_monotone.append(0 < peak < ray.numel() - 1 and float(along[-1]) == 0.0)
        unimodal.append(rises and falls and non_monotone[-1])
    ray = torch.linspace(0, 1.2 * zeroing_threshold(max(c_pos, c_neg), k), 4001, dtype=torch.float64)
    diagonal = global_regime(gate_regime(ray, c_pos, k), gate_regime(ray, c_neg, k))
    visited = [GLOBAL_REGIMES[int(i)] for i in torch.unique_consecutive(diagonal)]
    return {
        "regimes_present": present,
        "g1_is_ratio_gap": float((log_w[g1] - (grid["s_pos"] - grid["s_neg"])[g1]).abs().max()),
        "g3_log_w_max": float(log_w[g3].abs().max()) if bool(g3.any()) else float("nan"),
        "rays_non_monotone": sum(non_monotone),
        "rays_single_peak": sum(unimodal),
        "rays": len(unimodal),
        "diagonal_sequence": visited,
    }


def drift_clip_rows(*, length: int = FIG4_CONFIG["T"], eps: float = FIG4_CONFIG["eps"],
                    c_pos: float = FIG4_CONFIG["c_pos"], c_neg: float = FIG4_CONFIG["c_neg"], n_draws: int = 200,
                    seed: int = 0) -> list[dict]:
    """Fig 4 drift r_i = 1 + t D_i, sign(D) = sign(A): PPO/GRPO clip fraction vs FiberPO fiber-clip fraction."""
    gen = torch.Generator().manual_seed(seed)
    signs = torch.where(torch.rand(n_draws, length, generator=gen) < 0.5, 1.0, -1.0).to(torch.float64)
    sizes = torch.exp(0.5 * torch.randn(n_draws, length, generator=gen, dtype=torch.float64))
    mask = torch.ones(n_draws, length, dtype=torch.bool)
    rows = []
    for t in torch.linspace(0.01, 0.6, 60, dtype=torch.float64):
        ratio = 1 + t * signs * sizes / sizes.abs().max(dim=-1, keepdim=True).values
        log_ratio = torch.log(ratio.clamp(min=1e-6))
        parts = fiberpo_parts(log_ratio, mask, c_pos=c_pos, c_neg=c_neg, eps=eps)
        ppo_clipped = ((ratio > 1 + eps) | (ratio < 1 - eps)).double().mean(-1)
        fiber_clipped = (parts.same_sign.abs() > eps).double().mean(-1)
        both_drifted = (parts.log_s_pos > eps) & (parts.log_s_neg > eps)
        for draw in both_drifted.nonzero().flatten().tolist():
            rows.append({"t": float(t), "draw": draw, "ppo_clip_frac": float(ppo_clipped[draw]),
                         "fiber_clip_frac": float(fiber_clipped[draw])})
    return rows


# ---------------------------------------------------------------- registered checks of FPO-7 and FPO-10


def no_zeroing(x, c, k):
    """A mutated g_agg that keeps rolling back past (1 + 1/k)C instead of zeroing (a negative control)."""
    return torch.where(x.abs() <= c, x, torch.sign(x) * (k + 1) * c - k * x)


def regime_check(preset: dict = SMALL, sink: dict | None = None, zeroing: bool = True) -> list[SubStatement]:
    """FPO-7: G-I and G-III identities (z3, every k ≤ K_MAX), the five regimes and the |log w| pattern along rays
    (exact rationals, Fig 2b budgets), with the float64 grid of Fig 2b as a cross-check."""
    fig = exact_regimes.FIG2B
    facts = regime_facts(float(fig["c_pos"]), float(fig["c_neg"]), float(fig["k"]),
                         gate=g_agg if zeroing else no_zeroing)
    if sink is not None:
        sink.update(facts=facts)
    mutant = "" if zeroing else " (g_agg without zeroing)"
    grid = f"401 × 401 float64 grid of Fig 2b{mutant}"
    subs = []
    for regime, part_id in (("G-I", "FPO-7/G-I"), ("G-III", "FPO-7/G-III")):
        found = regime_exact.z3_regime_identity(regime, zeroing)
        witness = ""
        if not found["proved"]:
            x, y, c_pos, c_neg = found["point"]
            value = exact_regimes.frac_log_w(x, y, c_pos, c_neg, found["k"], zeroing)
            if value == (x - y if regime == "G-I" else 0):
                raise RuntimeError(f"FPO-7/{regime}: z3's counterexample {found} holds in exact rationals")
            witness = (f"k = {found['k']}, C⁺ = {c_pos}, C⁻ = {c_neg}, log s⁺ = {x}, log s⁻ = {y}: log w = {value} "
                       "(re-evaluated in exact rationals)")
        float_gap = facts["g1_is_ratio_gap"] if regime == "G-I" else facts["g3_log_w_max"]
        subs.append(substatement(part_id, Outcome(
            "proof", "z3", f"every C± > 0, every aggregate in {regime}, every integer k ≤ {regime_exact.K_MAX}"
            f"{mutant}", holds=found["proved"], counterexample=witness, bound=f"k ≤ {regime_exact.K_MAX}"), float_outcome(
            grid, float_gap == 0, f"max deviation {float_gap:.3g} on the grid", max_deviation=float_gap)))
    witnesses = exact_regimes.regime_witnesses(**fig)
    missing = [r for r in exact_regimes.REGIMES if r not in witnesses]
    subs.append(substatement("FPO-7/five-regimes", Outcome(
        "proof", "exact-rationals", f"exhibited points of the Fig 2b plane (C⁺ = {fig['c_pos']}, C⁻ = "
        f"{fig['c_neg']}, k = {fig['k']})", holds=not missing,
        counterexample=f"no point of {missing} on the grid" if missing else "",
        measurements={"witnesses": {r: [str(v) for v in point] for r, point in witnesses.items()}}),
        float_outcome(grid, len(facts["regimes_present"]) == len(exact_regimes.REGIMES),
                      f"regimes present: {facts['regimes_present']}", regimes_present=facts["regimes_present"])))
    rays = sorted({exact_regimes.reduced(d) for d in exact_regimes.ray_family()})
    violations = {d: exact_regimes.pattern_violation(exact_regimes.ray_profile(d, **fig, zeroing=zeroing))
                  for d in rays}
    ordered = [d for d in rays if exact_regimes.smaller_channel_gated_first(d, fig["c_pos"], fig["c_neg"], fig["k"])]
    failing = [d for d in rays if violations[d]]
    first = min(failing, key=lambda d: (0 in d, max(d), d)) if failing else None
    subs.append(substatement("FPO-7/rise-peak-decline", Outcome(
        "exhaustive", "exact-rationals", f"{len(rays)} rays ρ(12, m), ρ(m, 12), m = 0..12, of the Fig 2b plane{mutant}, every "
        "breakpoint, zero crossing and piece of |log w|", holds=not failing,
        counterexample=f"ray (log s⁺, log s⁻) = ρ{first}: {violations[first]}" if first else "",
        condition="" if not failing else "the channel with the smaller aggregate is fully gated before the other "
        "reaches its budget (the order of Fig 2b's diagonal)",
        condition_holds=None if not failing else not any(violations[d] for d in ordered),
        measurements={"rays": len(rays), "rays_violating": len(failing), "rays_with_condition": len(ordered)})))
    return subs


def drift_check(preset: dict = SMALL, sink: dict | None = None, drift_margin: Fraction = Fraction(1),
                mutant_clip: bool = False) -> list[SubStatement]:
    """FPO-10: the fiber clip of a token within ε of its same-sign mean never binds (z3); in p. 13's case — every
    token moving with its same-sign trajectory mean (|u_i| ≤ ε) while its channel's drift log s^(l_i) exceeds
    `drift_margin`·ε (the paper: ε) — PPO/GRPO clip log r_i of more than half the tokens (z3, exact re-evaluation);
    if not, the same under drift past 2ε, where every such token has |ℓ_i| ≥ log s^(l_i) − |u_i| > ε."""
    eps = FIG4_EPS
    found = regime_exact.z3_tracking_majority_counterexample(eps, FPO10_T_MAX, drift_margin)
    witness, condition, condition_holds = "", "", None
    if found is not None:
        ell = regime_exact.simplest_tracking_counterexample(eps, len(found), drift_margin) or found
        exact = regime_exact.frac_tracking_case(ell, eps)
        if not regime_exact.in_tracking_case(exact, eps, drift_margin):
            raise RuntimeError(f"FPO-10: z3's counterexample {ell} is not one in exact rationals")
        witness = (f"T = {exact['tokens']}, ε = {eps}, ℓ = ({', '.join(map(str, ell))}): log s⁺ = "
                   f"{exact['log_s_pos']}, log s⁻ = {exact['log_s_neg']}, u = ({', '.join(map(str, exact['u']))}): "
                   f"every token within ε of its same-sign mean, whose drift exceeds ε, yet only {exact['clipped']} "
                   f"of {exact['tokens']} tokens have |ℓ| > ε")
        fewer = regime_exact.simplest_tracking_counterexample(eps, 3, drift_margin, strict=True)
        if fewer:
            witness += (f"; fewer than half: T = 3, ℓ = ({', '.join(map(str, fewer))}), "
                        f"{regime_exact.frac_tracking_case(fewer, eps)['clipped']} of 3 past ±ε")
        condition = "each token's same-sign drift log s^(l_i) > 2ε (then |ℓ_i| ≥ log s^(l_i) − |u_i| > ε)"
        condition_holds = regime_exact.z3_tracking_majority_counterexample(eps, FPO10_T_MAX, 2 * drift_margin) is None
    if sink is not None:
        drift = drift_clip_rows()
        sink.update(drift_instances=len(drift),
                    ppo_majority_rate=sum(r["ppo_clip_frac"] > regime_exact.MAJORITY for r in drift) / len(drift),
                    fiber_fewer_rate=sum(r["fiber_clip_frac"] < r["ppo_clip_frac"] for r in drift) / len(drift))
    binding = regime_exact.z3_fiber_pass(FPO10_T_MAX, mutant_clip)
    return [
        substatement("FPO-10/fiber-pass", Outcome(
            "proof", "z3", f"every ℓ ∈ ℝ^T, ε > 0, every T ≤ {FPO10_T_MAX}"
            + (" (fiber clip at ±ε/2)" if mutant_clip else ""), holds=binding is None,
            counterexample="" if binding is None else (
                f"ℓ = ({', '.join(map(str, binding[:-1]))}), ε = {binding[-1]}: a token with |u_i| ≤ ε is clipped"),
            bound=f"T ≤ {FPO10_T_MAX}")),
        substatement("FPO-10/ppo-majority", Outcome(
            "proof", "z3", f"every ℓ ∈ ℝ^T, every T ≤ {FPO10_T_MAX}, ε = {eps} (the statement is invariant under "
            f"scaling ℓ and ε together), every |u_i| ≤ ε and log s^(l_i) > {drift_margin}ε",
            holds=found is None, counterexample=witness, condition=condition, condition_holds=condition_holds)),
    ]


FPO10_T_MAX = 8
register("FPO-7", PRODUCER, "base_weight_regimes",
         controls={"no_zeroing": lambda: regime_check(zeroing=False)})(regime_check)
register("FPO-10", PRODUCER, "clip_counts_under_drift",
         controls={"fiber_clip_at_half_eps": lambda: drift_check(mutant_clip=True)},
         positives={"drift_past_2eps": lambda: drift_check(drift_margin=Fraction(2))})(drift_check)
