"""Every RGF objective of the paper (Def 3.1), one module per method, behind one entry point."""

from __future__ import annotations

import importlib

from torch import Tensor

from ..batch import loss_inputs

METHODS = ("ppo", "grpo", "gspo", "apc", "tv_trpo", "fiberpo", "fiberpo_domain")


def objective_function(method: str):
    """The `objective(log_ratio, advantages, mask, **hyper)` function of a method by name."""
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {METHODS}")
    return importlib.import_module(f"{__name__}.{method}").objective


def surrogate(method: str, log_prob: Tensor, old_log_prob: Tensor, advantages: Tensor, mask: Tensor, **hyper) -> Tensor:
    """RGF objective value (to maximise) of `method` with the paper's weights mu (Def 3.1, App. C.4)."""
    fn = objective_function(method)
    log_ratio, advantages, mask = loss_inputs(log_prob, old_log_prob, advantages, mask)
    return fn(log_ratio, advantages, mask, **hyper)
