"""Named per-step diagnostics of an RL update: ratio drift, exact TV/KL to the rollout policy, clip and regime fractions."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.gates import gate_regime, safe_ratio
from fiberpo_check.engine.objectives import method
from fiberpo_check.engine.objectives.gspo import sequence_log_ratio

REGIMES = ("pass", "rollback", "zeroed")  # gate_regime codes 0, 1, 2 of g_agg (eq 10)


def trajectory_mean(per_state: Tensor, mask: Tensor) -> Tensor:
    """(1/|Tj|) sum_tau (1/T_tau) sum_t x(s_t): the trajectory-normalised average of a per-state quantity (eq 51)."""
    return (masked(per_state, mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean()


@torch.no_grad()
def drift_metrics(new_logits: Tensor, old_logits: Tensor, log_ratio: Tensor, mask: Tensor) -> dict[str, float]:
    """Mean/max importance ratio of sampled tokens; exact per-state TV and KL(old||new) (eqs 34, 35) averaged over
    visited states, token-weighted (D_TV/KL bar, eq 52) and trajectory-normalised (D^(tj)_TV/KL bar, eqs 45, 51)."""
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
        "drift/tv_tj": float(trajectory_mean(tv, mask)),
        "drift/kl_tj": float(trajectory_mean(kl, mask)),
        "drift/seq_log_ratio_abs": float(sequence_log_ratio(log_ratio, mask).abs().mean()),
    }


@torch.no_grad()
def gate_fractions(method_name: str, hyper: dict, log_ratio: Tensor, mask: Tensor) -> dict[str, float]:
    """Fraction of tokens (or, for per-trajectory clips, trajectories) the method's trust region clips; FiberPO
    family: also the fraction of trajectories in each g_agg regime of every base gate (per level and sign channel)."""
    rgf = method(method_name)
    ids, hyper = rgf.split(hyper)
    clipped = rgf.clipped(log_ratio, mask, **ids, **hyper)
    metrics = {"clip/frac": float((clipped[mask] if clipped.dim() == 2 else clipped).double().mean())}
    if rgf.parts is not None:
        for (channel, level), (x, c, k) in rgf.parts(log_ratio, mask, **ids, **hyper).base_gates.items():
            regime = gate_regime(x, c, k)
            for code, name in enumerate(REGIMES):
                metrics[f"regime/{level}_{channel}_{name}"] = float((regime == code).double().mean())
    return metrics
