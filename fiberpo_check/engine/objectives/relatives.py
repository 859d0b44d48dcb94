"""Relatives of the paper's methods that trainers implement, in RGF form (Def 3.1): GSPO-token, DAPO, Dr. GRPO and
CISPO. They are not objectives of the paper; they share its gates and differ in weights mu or clip range."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.gates import hard_clip, safe_ratio
from fiberpo_check.engine.objectives.gspo import GSPO, GSPO_HYPER, gspo_gate
from fiberpo_check.engine.objectives.ppo import PPO, PPO_HYPER
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


def cispo_gate(log_ratio: Tensor, advantages: Tensor, mask: Tensor, *, eps_low: float, eps_high: float) -> Tensor:
    """sg(clip(r, 1 - eps_low, 1 + eps_high)) exp(log r - sg(log r)): the value of CISPO's clipped IS weight and the
    gradient of its loss -sg(clip(r)) A log pi (CISPO, the MiniMax-M1 report)."""
    weight = hard_clip(safe_ratio(log_ratio), 1 - eps_low, 1 + eps_high).detach()
    return weight * torch.exp(log_ratio - log_ratio.detach())


GSPO_TOKEN = RGFMethod(
    "gspo_token", "GSPO-token", lambda log_ratio, advantages, mask, **hyper: gspo_gate(
        log_ratio, advantages, mask, token_level=True, **hyper), native_mode="seq-mean-token-mean",
    defaults={k: v for k, v in GSPO_HYPER.items() if k != "token_level"},
    clipped=lambda log_ratio, mask, **hyper: GSPO.clipped(log_ratio, mask, token_level=True, **hyper))
DAPO = RGFMethod("dapo", "DAPO", PPO.gate, native_mode="token-mean", defaults={**PPO_HYPER, "eps_high": 0.28},
                 clipped=PPO.clipped)  # clip-higher: eps_low 0.2 < eps_high 0.28 (DAPO, §3.1)
DR_GRPO = RGFMethod("dr_grpo", "Dr. GRPO", PPO.gate, native_mode="seq-mean-token-sum-norm", defaults=PPO_HYPER,
                    clipped=PPO.clipped)  # a constant length normaliser instead of 1/T_tau
CISPO = RGFMethod("cispo", "CISPO", cispo_gate, native_mode="token-mean", defaults={"eps_low": None, "eps_high": None},
                  required=("eps_low", "eps_high"),
                  clipped=lambda log_ratio, mask, eps_low, eps_high: PPO.clipped(log_ratio, mask, eps_low, eps_high,
                                                                                True))
