"""Every RGF objective of the paper (Def 3.1), one module per method, and their relatives; listed in `family.py`."""

from __future__ import annotations

from torch import Tensor

from fiberpo_check.engine.batch import loss_inputs
from fiberpo_check.engine.objectives.family import FAMILY, REGISTRY, method
from fiberpo_check.engine.objectives.rgf_method import RGFMethod

METHODS = tuple(REGISTRY)  # the paper's method names, in paper order


def surrogate(method_name: str, log_prob: Tensor, old_log_prob: Tensor, advantages: Tensor, mask: Tensor,
              **hyper) -> Tensor:
    """RGF objective value (to maximise) of a family member with its weights mu (Def 3.1, App. C.4)."""
    rgf = method(method_name)
    log_ratio, advantages, mask = loss_inputs(log_prob, old_log_prob, advantages, mask)
    return rgf.objective(log_ratio, advantages, mask, **hyper)


__all__ = ["FAMILY", "METHODS", "REGISTRY", "RGFMethod", "method", "surrogate"]
