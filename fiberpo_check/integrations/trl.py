"""TRL integration: a GRPOTrainer whose policy loss is FiberPO (eqs 6-16) or FiberPO-Domain (eqs 30-33).

TRL's `loss_type` picks the aggregation as in GRPOTrainer: grpo -> seq-mean-token-mean, bnpo -> token-mean,
dr_grpo -> token sum / (B * max_completion_length), dapo -> token sum / global token count. Prompt groups are the
`num_generations` completions of one prompt; domains come from the dataset column `fiberpo_domain_column`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from trl import GRPOConfig, GRPOTrainer

from fiberpo_check.engine.aggregation import aggregate
from fiberpo_check.engine.objectives.family import TRL_MODES
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain, normalizers

# the loss types whose aggregation this trainer reproduces (CISPO's gate is not FiberPO's), and their verl modes
AGGREGATION = {loss_type: TRL_MODES[loss_type] for loss_type in ("grpo", "bnpo", "dr_grpo", "dapo")}
MODEL_INPUTS = ("pixel_values", "image_grid_thw", "num_images", "pixel_attention_mask", "image_sizes", "token_type_ids")


@dataclass
class FiberPOConfig(GRPOConfig):
    """GRPOConfig plus FiberPO's budgets C+- (eq 8; per-level dicts for FiberPO-Domain, eq 31) and fiber eps (eq 16)."""

    fiberpo_c_pos: Any = FIBERPO_HYPER["c_pos"]
    fiberpo_c_neg: Any = FIBERPO_HYPER["c_neg"]
    fiberpo_eps: float = FIBERPO_HYPER["eps"]
    fiberpo_domain: bool = False
    fiberpo_domain_column: str | None = None
    fiberpo_compile: bool = False


def unsupported_options(trainer: GRPOTrainer) -> list[str]:
    """GRPOTrainer options this loss does not implement (each would silently change the objective)."""
    args = trainer.args
    checks = {
        f"loss_type={trainer.loss_type!r}": trainer.loss_type not in AGGREGATION,
        "importance_sampling_level != 'token'": trainer.importance_sampling_level != "token",
        "top_entropy_quantile < 1": trainer.top_entropy_quantile < 1.0,
        "off_policy_mask_threshold": trainer.off_policy_mask_threshold is not None,
        "use_vllm with vllm_importance_sampling_correction": trainer.use_vllm and trainer.vllm_importance_sampling_correction,
        "entropy bonus (entropy_coef / adaptive entropy)": trainer._entropy_bonus_enabled,
        "router aux loss": trainer.aux_loss_enabled,
        "delta": args.delta is not None,
        "use_liger_kernel": args.use_liger_kernel,
    }
    return [name for name, present in checks.items() if present]


class FiberPOGRPOTrainer(GRPOTrainer):
    """GRPOTrainer with the FiberPO / FiberPO-Domain policy loss and its gate metrics; args: a FiberPOConfig."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not isinstance(self.args, FiberPOConfig):
            raise ValueError(f"args: expected a FiberPOConfig, got {type(self.args).__name__}")
        unsupported = unsupported_options(self)
        if unsupported:
            raise ValueError(f"args: FiberPOGRPOTrainer does not support {', '.join(unsupported)}")
        self._domain_codes: dict[Any, int] = {}

    def _generate_and_score_completions(self, inputs: list[dict]) -> dict:
        """TRL's batch plus the prompt-group and domain id of every completion (int tensors [B])."""
        output = super()._generate_and_score_completions(inputs)
        rows = output["advantages"].shape[0]
        first_row = self.accelerator.process_index * rows
        output["fiberpo_group_ids"] = (torch.arange(rows) + first_row) // self.num_generations
        column = self.args.fiberpo_domain_column
        labels = [x[column] for x in inputs] if column else [None] * rows
        codes = [self._domain_codes.setdefault(label, len(self._domain_codes)) for label in labels]
        output["fiberpo_domain_ids"] = torch.tensor(codes)
        return output

    def aggregation(self, inputs: dict, batch_size: int, mode: str) -> tuple[str, dict, float]:
        """verl aggregation mode, global_batch_info and divisor that reproduce TRL's normalisation of `loss_type`."""
        accumulation = self.current_gradient_accumulation_steps if mode == "train" else 1.0
        if self.loss_type == "dapo":
            tokens = inputs["num_items_in_batch"].clamp(min=1.0) / self.accelerator.num_processes
            tokens = tokens * accumulation / self.args.steps_per_generation if mode == "train" else tokens
            return "token-mean", {"batch_num_tokens": float(tokens)}, 1.0
        if self.loss_type == "dr_grpo":
            info = {"global_batch_size": batch_size, "loss_scale_factor": self.max_completion_length}
            return "seq-mean-token-sum-norm", info, accumulation
        return AGGREGATION[self.loss_type], {}, accumulation

    def fiberpo_loss(self, old_log_prob, log_prob, advantages, mask, loss_agg_mode, config):
        """The verl-signature FiberPO (or FiberPO-Domain) loss on TRL's tensors: (loss, metrics)."""
        loss_fn = compute_policy_loss_fiberpo_domain if self.args.fiberpo_domain else compute_policy_loss_fiberpo
        return loss_fn(old_log_prob, log_prob, advantages, mask, loss_agg_mode, config)

    def _compute_loss(self, model, inputs: dict) -> Tensor:
        """Policy loss -sum mu G A (+ beta * KL), scaled for gradient accumulation as TRL scales `loss_type`."""
        completion_ids, mask = inputs["completion_ids"], inputs["completion_mask"]
        if "tool_mask" in inputs:
            mask = mask * inputs["tool_mask"]
        input_ids = torch.cat([inputs["prompt_ids"], completion_ids], dim=1)
        attention_mask = torch.cat([inputs["prompt_mask"], inputs["completion_mask"]], dim=1)
        extra = {key: inputs.get(key) for key in MODEL_INPUTS}
        log_prob, entropies, _ = self._get_per_token_logps_and_entropies(
            model, input_ids, attention_mask, completion_ids.size(1), compute_entropy=True, **extra
        )
        old_log_prob = inputs.get("old_per_token_logps")
        old_log_prob = log_prob.detach() if old_log_prob is None else old_log_prob
        mode = "train" if self.model.training else "eval"
        loss_agg_mode, info, divisor = self.aggregation(inputs, mask.shape[0], mode)
        config = {
            "fiberpo_c_pos": self.args.fiberpo_c_pos,
            "fiberpo_c_neg": self.args.fiberpo_c_neg,
            "fiberpo_eps": self.args.fiberpo_eps,
            "fiberpo_compile": self.args.fiberpo_compile,
            "fiberpo_group_ids": inputs["fiberpo_group_ids"],
            "fiberpo_domain_ids": inputs["fiberpo_domain_ids"],
            "global_batch_info": info,
        }
        loss, metrics = self.fiberpo_loss(old_log_prob, log_prob, inputs["advantages"], mask, loss_agg_mode, config)
        valid = mask.bool()
        if self.beta != 0.0:
            ref_gap = inputs["ref_per_token_logps"] - log_prob
            per_token_kl = torch.exp(ref_gap) - ref_gap - 1
            loss = loss + self.beta * aggregate(per_token_kl, valid, loss_agg_mode, normalizers(config))
            metrics["kl"] = float(per_token_kl[valid].mean())
        metrics["entropy"] = float(entropies.detach()[valid].mean())
        for key, value in metrics.items():
            if not key.startswith("actor/"):
                gathered = self.accelerator.gather(torch.tensor(value, device=log_prob.device))
                self._metrics[mode][key].append(gathered.nanmean().item())
        return loss / divisor
