"""Real verl and TRL policy losses presented to the conformance checker with verl's call signature.

verl: `verl_actor_config` builds verl's own ActorConfig (its losses require one) from the checker's dict; use it with
`--config-factory`. TRL: `trl_loss(loss_type)` runs `GRPOTrainer._compute_loss` itself on a stub trainer whose
"model" returns the probe's log-probs, so the loss is exactly the trainer's arithmetic, with no model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from types import SimpleNamespace

import torch
from torch import Tensor

from fiberpo_check.engine.objectives.family import TRL_MODES


def verl_actor_config(values: dict):
    """verl's ActorConfig with the checker's clip ratios, dual clip and global_batch_info (other keys dropped)."""
    from verl.workers.config import ActorConfig

    known = {f.name for f in fields(ActorConfig)}
    chosen = {k: v for k, v in values.items() if k in known}
    if "clip_ratio_low" in chosen:
        chosen.setdefault("clip_ratio", chosen["clip_ratio_low"])
    return ActorConfig(strategy="fsdp", rollout_n=1, ppo_micro_batch_size_per_gpu=1, **chosen)


def verl_loss(name: str):
    """verl's registered policy loss `name` (get_policy_loss_fn), called with an ActorConfig built from a dict."""
    from verl.trainer.ppo.core_algos import get_policy_loss_fn

    loss_fn = get_policy_loss_fn(name)

    def loss(**kwargs):
        return loss_fn(**{**kwargs, "config": verl_actor_config(dict(kwargs.get("config") or {}))})

    return loss


class StubAccelerator:
    """The accelerate calls `_compute_loss` makes, on one process with `num_processes` standing in for dp_size."""

    sync_gradients = True

    def __init__(self, num_processes: int):
        self.num_processes = num_processes

    def gather(self, x: Tensor) -> Tensor:
        """One process: gather is the identity."""
        return x

    def reduce(self, x: Tensor, reduction: str = "sum") -> Tensor:
        """One process: reduce is the identity."""
        return x

    gather_for_metrics = gather


def trl_stub(loss_type: str, level: str, config: dict, log_prob: Tensor, width: int):
    """A stand-in GRPOTrainer with the attributes `_compute_loss` reads; its log-probs are `log_prob`."""
    info = dict(config.get("global_batch_info") or {})
    low, high = config["clip_ratio_low"], config["clip_ratio_high"]
    entropies = torch.zeros_like(log_prob)
    return SimpleNamespace(
        _get_per_token_logps_and_entropies=lambda *args, **kwargs: (log_prob, entropies, None),
        aux_loss_enabled=False, top_entropy_quantile=1.0, off_policy_mask_threshold=None,
        importance_sampling_level=level, beta=0.0, loss_type=loss_type, epsilon_low=low,
        epsilon_high=1 + high if loss_type == "cispo" else high,  # TRL's CISPO epsilon_high is the ratio cap itself
        args=SimpleNamespace(delta=None, steps_per_generation=1), use_vllm=True,
        vllm_importance_sampling_correction=True, model=SimpleNamespace(training=True),
        current_gradient_accumulation_steps=1, max_completion_length=int(info.get("loss_scale_factor") or width),
        accelerator=StubAccelerator(int(info.get("dp_size", 1))), _entropy_bonus_enabled=False,
        _metrics={"train": defaultdict(list), "eval": defaultdict(list)},
    )


def trl_loss(loss_type: str, level: str = "token"):
    """TRL's GRPO loss of `loss_type` (importance_sampling_level `level`) as the trainer computes it."""
    if loss_type not in TRL_MODES:
        raise ValueError(f"loss_type: {loss_type!r} is not one of {tuple(TRL_MODES)}")

    def loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode=TRL_MODES[loss_type], config=None,
             rollout_is_weights=None):
        from trl import GRPOTrainer

        if loss_agg_mode != TRL_MODES[loss_type]:
            raise ValueError(f"loss_agg_mode: TRL's {loss_type!r} aggregates only as {TRL_MODES[loss_type]!r}")
        config = dict(config or {})
        mask = response_mask.long()
        info = dict(config.get("global_batch_info") or {})
        batch, width = log_prob.shape
        inputs = {
            "prompt_ids": torch.zeros(batch, 0, dtype=torch.long), "prompt_mask": torch.zeros(batch, 0, dtype=torch.long),
            "completion_ids": torch.zeros(batch, width, dtype=torch.long), "completion_mask": mask,
            "advantages": advantages, "old_per_token_logps": old_log_prob,
            "num_items_in_batch": torch.tensor(float(info.get("batch_num_tokens") or mask.sum())),
            "importance_sampling_ratio": torch.ones_like(log_prob) if rollout_is_weights is None else rollout_is_weights,
        }
        stub = trl_stub(loss_type, level, config, log_prob, width)
        return GRPOTrainer._compute_loss(stub, None, inputs), {}

    return loss


# module-level names for `python -m fiberpo_check conform fiberpo_check.verification.conform_adapters:NAME`
trl_grpo, trl_bnpo, trl_dr_grpo, trl_dapo, trl_cispo = (trl_loss(t) for t in ("grpo", "bnpo", "dr_grpo", "dapo", "cispo"))
trl_gspo = trl_loss("grpo", "sequence")  # TRL's GSPO: loss_type 'grpo' at importance_sampling_level 'sequence'
