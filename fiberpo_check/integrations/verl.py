"""verl plugin: registers `fiberpo` and `fiberpo_domain` in verl's policy-loss registry when imported.

Load it in every verl process with `VERL_USE_EXTERNAL_MODULES=fiberpo_check.integrations.verl` (or
`actor_rollout_ref.model.external_lib=fiberpo_check.integrations.verl`) and select the loss with
`actor_rollout_ref.actor.policy_loss.loss_mode=fiberpo` (or `fiberpo_domain`). Hyperparameters are read from the
actor config (`fiberpo_c_pos`, `fiberpo_c_neg`, `fiberpo_eps`, `fiberpo_compile`, `fiberpo_group_ids`,
`fiberpo_domain_ids`); verl's ActorConfig rejects unknown keys, so `FiberPOActorConfig` (an FSDPActorConfig with
these fields) is provided for `actor_rollout_ref.actor._target_`. verl's `global_batch_info` sets the normalisers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from fiberpo_check.losses import DEFAULTS, compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain

LOSS_MODES = {"fiberpo": compute_policy_loss_fiberpo, "fiberpo_domain": compute_policy_loss_fiberpo_domain}


def register(register_policy_loss: Callable[[str], Callable]) -> None:
    """Register every FiberPO loss with a verl-style `register_policy_loss(name)` decorator factory."""
    for name, loss_fn in LOSS_MODES.items():
        register_policy_loss(name)(loss_fn)


try:
    from verl.trainer.ppo.core_algos import register_policy_loss
    from verl.workers.config import FSDPActorConfig
except ImportError:  # verl absent: nothing to register with
    register_policy_loss = FSDPActorConfig = None

if register_policy_loss is not None:
    register(register_policy_loss)

    @dataclass
    class FiberPOActorConfig(FSDPActorConfig):
        """verl's FSDP actor config plus the FiberPO keys (budgets: float, or {domain, group, trajectory} dict)."""

        _mutable_fields = FSDPActorConfig._mutable_fields | {"fiberpo_group_ids", "fiberpo_domain_ids"}

        fiberpo_c_pos: Any = DEFAULTS["fiberpo_c_pos"]
        fiberpo_c_neg: Any = DEFAULTS["fiberpo_c_neg"]
        fiberpo_eps: float = DEFAULTS["fiberpo_eps"]
        fiberpo_compile: bool = DEFAULTS["fiberpo_compile"]
        fiberpo_group_ids: Any = field(default=None)
        fiberpo_domain_ids: Any = field(default=None)
