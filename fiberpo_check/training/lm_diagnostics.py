"""Named per-step diagnostics of an RL update: ratio drift, exact TV/KL to the rollout policy, clip and regime fractions."""

from __future__ import annotations

import torch
from torch import Tensor

from ..gates import gate_regime, safe_ratio
from ..objectives.fiberpo import fiberpo_parts
from ..objectives.fiberpo_domain import fiberpo_domain_parts
from ..objectives.gspo import sequence_log_ratio


@torch.no_grad()
def drift_metrics(new_logits: Tensor, old_logits: Tensor, log_ratio: Tensor, mask: Tensor) -> dict[str, float]:
    """Mean/max importance ratio of sampled tokens, exact per-state TV and KL(old||new) averaged over visited states."""
    ratio = safe_ratio(log_ratio)[mask]
    p_old, log_p_old = torch.softmax(old_logits, -1), torch.log_softmax(old_logits, -1)
    p_new, log_p_new = torch.softmax(new_logits, -1), torch.log_softmax(new_logits, -1)
    tv = 0.5 * (p_new - p_old).abs().sum(-1)
    kl = (p_old * (log_p_old - log_p_new)).sum(-1)
    return {
        "ratio/mean": float(ratio.mean()),
        "ratio/max": float(ratio.max()),
        "drift/tv_mean": float(tv[mask].mean()),
        "drift/kl_mean": float(kl[mask].mean()),
        "drift/seq_log_ratio_abs": float(sequence_log_ratio(log_ratio, mask).abs().mean()),
    }


@torch.no_grad()
def gate_fractions(method: str, hyper: dict, log_ratio: Tensor, mask: Tensor) -> dict[str, float]:
    """Fraction of tokens (GRPO), trajectories (GSPO) or gate regimes (FiberPO family) outside the trust region."""
    if method in ("grpo", "ppo"):
        eps_low = hyper.get("eps_low", 0.2)
        eps_high = hyper.get("eps_high") or eps_low
        ratio = safe_ratio(log_ratio)[mask]
        return {"clip/frac": float(((ratio < 1 - eps_low) | (ratio > 1 + eps_high)).double().mean())}
    if method == "gspo":
        s = safe_ratio(sequence_log_ratio(log_ratio, mask))
        eps_low, eps_high = hyper["eps_low"], hyper.get("eps_high") or hyper["eps_low"]
        return {"clip/frac": float(((s < 1 - eps_low) | (s > 1 + eps_high)).double().mean())}
    if method == "fiberpo":
        parts = fiberpo_parts(log_ratio, mask, c_pos=hyper["c_pos"], c_neg=hyper["c_neg"], eps=hyper["eps"])
    else:
        parts = fiberpo_domain_parts(
            log_ratio,
            mask,
            hyper["group_ids"],
            hyper["domain_ids"],
            c_pos=hyper["c_pos"],
            c_neg=hyper["c_neg"],
            eps=hyper["eps"],
        )
    metrics = {"clip/frac": float((parts.same_sign.abs() > hyper["eps"])[mask].double().mean())}
    for (channel, level), (x, c, k) in parts.base_gates.items():
        regime = gate_regime(x, c, k)
        metrics[f"regime/{level}_{channel}_rollback"] = float((regime == 1).double().mean())
        metrics[f"regime/{level}_{channel}_zeroed"] = float((regime == 2).double().mean())
    return metrics
