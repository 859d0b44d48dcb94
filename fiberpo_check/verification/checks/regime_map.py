"""Global regimes of the base weight (§5.1, Fig 2b) on the float64 grid of the figure."""

from __future__ import annotations

import torch

from fiberpo_check.engine.gates import (
    GLOBAL_REGIMES,
    g_agg,
    gate_regime,
    global_regime,
    zeroing_threshold,
)
from fiberpo_check.engine import exact_regimes
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks.jacobian_checks import float_outcome, substatement
from fiberpo_check.verification.checks.presets import PRODUCER, SMALL
from fiberpo_check.vocabulary.verdicts import SubStatement

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


# ---------------------------------------------------------------- the registered check of FPO-7


def no_zeroing(x, c, k):
    """A mutated g_agg that keeps rolling back past (1 + 1/k)C instead of zeroing (a negative control)."""
    return torch.where(x.abs() <= c, x, torch.sign(x) * (k + 1) * c - k * x)


def regime_check(preset: dict = SMALL, sink: dict | None = None, zeroing: bool = True) -> list[SubStatement]:
    """FPO-7 on the float64 grid of Fig 2b: the G-I and G-III identities and the five regimes present (the
    derivations prove the identities for every k and check the regimes and rays of Fig 2b's plane exactly)."""
    fig = exact_regimes.FIG2B
    facts = regime_facts(float(fig["c_pos"]), float(fig["c_neg"]), float(fig["k"]),
                         gate=g_agg if zeroing else no_zeroing)
    if sink is not None:
        sink.update(facts=facts)
    mutant = "" if zeroing else " (g_agg without zeroing)"
    grid = f"401 × 401 float64 grid of Fig 2b{mutant}"
    subs = []
    for regime, part_id in (("G-I", "FPO-7/G-I"), ("G-III", "FPO-7/G-III")):
        float_gap = facts["g1_is_ratio_gap"] if regime == "G-I" else facts["g3_log_w_max"]
        subs.append(substatement(part_id, float_outcome(grid, float_gap == 0, f"max deviation {float_gap:.3g} on the "
                                                              "grid", max_deviation=float_gap)))
    subs.append(substatement("FPO-7/five-regimes", float_outcome(
        grid, len(facts["regimes_present"]) == len(exact_regimes.REGIMES), f"regimes present: {facts['regimes_present']}",
        regimes_present=facts["regimes_present"])))
    return subs


register("FPO-7", PRODUCER, "base_weight_regimes",
         controls={"no_zeroing": lambda: regime_check(zeroing=False)})(regime_check)
