"""Global regimes of the base weight (§5.1, Fig 2b) and clip counts under trajectory drift (§5.2, Fig 4)."""

from __future__ import annotations

import torch
from torch import Tensor

from ..gates import g_agg, gate_regime
from ..objectives.fiberpo import fiberpo_parts

GLOBAL_REGIMES = ("G-I", "G-II,r", "G-II", "G-III,r", "G-III")


def global_regime(regime_pos: Tensor, regime_neg: Tensor) -> Tensor:
    """Index into GLOBAL_REGIMES from the two channel regimes (0 pass, 1 rollback, 2 zeroed) (§5.1)."""
    past = (regime_pos > 0).long() + (regime_neg > 0).long()
    one_past = torch.where(torch.maximum(regime_pos, regime_neg) == 2, 2, 1)
    both_past = torch.where((regime_pos == 2) & (regime_neg == 2), 4, 3)
    return torch.where(past == 0, 0, torch.where(past == 1, one_past, both_past))


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
        reach = 1.2 * (1 + 1 / k) * max(c_pos / float(torch.cos(angle)), c_neg / float(torch.sin(angle)))
        ray = torch.linspace(0, reach, 4001, dtype=torch.float64)
        along = (gate(ray * torch.cos(angle), c_pos, k) - gate(ray * torch.sin(angle), c_neg, k)).abs()
        peak = int(along.argmax())
        rises = bool((along[1 : peak + 1] - along[:peak] >= -1e-15).all())
        falls = bool((along[peak + 1 :] - along[peak:-1] <= 1e-15).all())
        non_monotone.append(0 < peak < ray.numel() - 1 and float(along[-1]) == 0.0)
        unimodal.append(rises and falls and non_monotone[-1])
    ray = torch.linspace(0, 1.2 * (1 + 1 / k) * max(c_pos, c_neg), 4001, dtype=torch.float64)
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


def drift_clip_rows(*, length: int = 10, eps: float = 0.04, c_pos: float = 0.12, c_neg: float = 0.05,
                    n_draws: int = 200, seed: int = 0) -> list[dict]:
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
