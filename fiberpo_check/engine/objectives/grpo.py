"""GRPO in RGF form: the PPO gate with trajectory-normalised weights 1/(|Tj| T_tau) (App. C.4)."""

from __future__ import annotations

from fiberpo_check.engine.objectives.ppo import PPO, PPO_HYPER
from fiberpo_check.engine.objectives.rgf_method import RGFMethod

GRPO = RGFMethod("grpo", "GRPO", PPO.gate, native_mode="seq-mean-token-mean", defaults=PPO_HYPER,
                    clipped=PPO.clipped)
objective = GRPO.objective  # (1/|Tj|) sum_tau (1/T_tau) sum_t G_PPO(r)_i A_i (App. C.4, C.5.2)
