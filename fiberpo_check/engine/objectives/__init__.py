"""Every RGF objective of the paper (Def 3.1), one module per method, each registered in `registry.METHODS`."""

from __future__ import annotations

from torch import Tensor

from fiberpo_check.engine.batch import loss_inputs
from fiberpo_check.engine.objectives import (  # noqa: F401, I001  (each registers its method, in paper order)
    ppo, grpo, gspo, apc, tv_trpo, fiberpo, fiberpo_domain,
)
from fiberpo_check.engine.objectives.registry import REGISTRY, RGFMethod, method

METHODS = tuple(REGISTRY)  # every registered method name, in paper order


def surrogate(method_name: str, log_prob: Tensor, old_log_prob: Tensor, advantages: Tensor, mask: Tensor,
              **hyper) -> Tensor:
    """RGF objective value (to maximise) of a registered method with the paper's weights mu (Def 3.1, App. C.4)."""
    rgf = method(method_name)
    log_ratio, advantages, mask = loss_inputs(log_prob, old_log_prob, advantages, mask)
    return rgf.objective(log_ratio, advantages, mask, **hyper)


__all__ = ["METHODS", "REGISTRY", "RGFMethod", "method", "surrogate"]
