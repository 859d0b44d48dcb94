"""The gated RGF methods compared on the enumerable tree policy: every registered method whose gate acts within a
prompt group, the linear surrogate (G = r) and the cut-off ablation of FiberPO (`fiberpo_cutoff`: the rollback band
of g_agg replaced by the plain cut-off clip(x, +-C)); each with its own weights mu (App. C.4)."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.gates import clip_sym
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER, fiberpo_parts
from fiberpo_check.engine.objectives.family import REGISTRY
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


def fiberpo_cutoff_gate(log_ratio: Tensor, mask: Tensor, *, c_pos: float, c_neg: float, eps: float) -> Tensor:
    """FiberPO with the base gate g_agg replaced by the plain cut-off clip(x, +-C): no rollback band (ablation)."""
    parts = fiberpo_parts(log_ratio, mask, c_pos=c_pos, c_neg=c_neg, eps=eps)
    base = clip_sym(parts.log_s_pos, c_pos) - clip_sym(parts.log_s_neg, c_neg)
    return torch.exp(base[:, None] + parts.log_gate - parts.base_log_weight[:, None])


# The registered methods whose gates act within a prompt group, plus the linear surrogate (G = r) and the cut-off
# ablation; each with its own weights mu (App. C.4).
GATES = {
    "identity": RGFMethod("identity", "linear surrogate", lambda log_ratio, adv, mask: torch.exp(log_ratio),
                          "seq-mean-token-mean"),
    **{name: rgf for name, rgf in REGISTRY.items() if rgf.gate is not None},
    "fiberpo_cutoff": RGFMethod("fiberpo_cutoff", "FiberPO, cut-off base gate",
                                lambda log_ratio, adv, mask, **hyper: fiberpo_cutoff_gate(log_ratio, mask, **hyper),
                                "seq-mean-token-mean", FIBERPO_HYPER),
}
