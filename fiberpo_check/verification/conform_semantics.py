"""Aggregation semantics by framework and version: what each loss_agg_mode divides by (eq 6's mu_i, App. C.4).

verl-0.9: verl 0.9's agg_loss (global normalisers: token-mean / batch_num_tokens, seq-mean-* / global_batch_size,
seq-mean-token-sum-norm also / loss_scale_factor, each times dp_size; fully masked rows excluded).
verl-0.4: the agg_loss without global normalisers (local masked mean, mean over every row, seq-mean-token-sum-norm
divides the batch's token sum by the horizon only). trl-1: TRL 1.x GRPOTrainer loss types (grpo = seq-mean-token-mean
over every row, dapo/cispo = token-mean over num_items_in_batch / num_processes, dr_grpo = sum / (B * max_completion_
length) with max_completion_length = loss_scale_factor or the width).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import Tensor

from fiberpo_check.engine.aggregation import MODES, aggregate
from fiberpo_check.engine.batch import masked
from fiberpo_check.losses import config_value, normalizers


@dataclass(frozen=True)
class Semantics:
    """A named aggregation: its modes, the scalar it makes of per-token values, whether it reads global_batch_info
    and whether it defines a fully masked row (outside the paper's domain, T >= 1)."""

    name: str
    description: str
    modes: tuple[str, ...]
    reduce: Callable[[Tensor, Tensor, str, Any], Tensor]
    global_normalisers: bool
    empty_rows_defined: bool

    def aggregate(self, values: Tensor, mask: Tensor, mode: str, config: Any) -> Tensor:
        """sum_i mu_i values_i under this semantics (ValueError naming the mode when it has none)."""
        if mode not in self.modes:
            raise ValueError(f"loss_agg_mode: {mode!r} is not defined under {self.name} ({self.modes})")
        return self.reduce(masked(values, mask), mask, mode, config)


def verl_09(values: Tensor, mask: Tensor, mode: str, config: Any) -> Tensor:
    """verl 0.9's agg_loss with the config's global_batch_info."""
    return aggregate(values, mask, mode, normalizers(config))


def verl_04(values: Tensor, mask: Tensor, mode: str, config: Any) -> Tensor:
    """verl's agg_loss before global normalisers: local means, every row counted, sum-norm / horizon."""
    rows = values.sum(-1)
    lengths = mask.sum(-1).to(values.dtype)
    if mode == "token-mean":
        return rows.sum() / lengths.sum()
    if mode == "seq-mean-token-sum":
        return rows.mean()
    if mode == "seq-mean-token-mean":
        return (rows / lengths.clamp(min=1)).mean()
    return rows.sum() / mask.shape[-1]


def trl_1(values: Tensor, mask: Tensor, mode: str, config: Any) -> Tensor:
    """TRL 1.x GRPOTrainer._compute_loss: grpo, dapo/cispo (global token count per process) and dr_grpo."""
    rows = values.sum(-1)
    if mode == "seq-mean-token-mean":
        return (rows / mask.sum(-1).clamp(min=1).to(values.dtype)).mean()
    info = config_value(config, "global_batch_info") or {}
    if mode == "token-mean":
        tokens = info.get("batch_num_tokens") or float(mask.sum())
        return rows.sum() / (max(float(tokens), 1.0) / int(info.get("dp_size", 1) or 1))
    return rows.sum() / (mask.shape[0] * float(info.get("loss_scale_factor") or mask.shape[-1]))


SEMANTICS = {
    "verl-0.9": Semantics("verl-0.9", "verl 0.9 agg_loss (global batch normalisers x dp_size)", MODES, verl_09,
                          True, True),
    "verl-0.4": Semantics("verl-0.4", "verl agg_loss without global normalisers (sum-norm: / horizon only)",
                          MODES[:4], verl_04, False, False),
    "trl-1": Semantics("trl-1", "TRL 1.x GRPOTrainer loss types (grpo, dapo/cispo, dr_grpo)",
                       ("seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"), trl_1, True, True),
}
DEFAULT = "verl-0.9"


def semantics(name: str) -> Semantics:
    """The named semantics (ValueError naming the argument when unknown)."""
    if name not in SEMANTICS:
        raise ValueError(f"semantics: {name!r} is not one of {tuple(SEMANTICS)}")
    return SEMANTICS[name]


def source_text(fn: Callable, depth: int = 2) -> str:
    """The source of `fn` and of the functions its closure holds (depth levels), '' where there is none."""
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError):
        return ""
    if depth and inspect.isfunction(fn):
        for value in inspect.getclosurevars(fn).nonlocals.values():
            if callable(value):
                text += source_text(value, depth - 1)
    return text


def installed_version(package: str) -> str | None:
    """The installed distribution's version, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def detect(candidate: Callable) -> tuple[str, str]:
    """(semantics name, why): the installed framework's semantics when the loss calls its aggregation, else the
    default."""
    text = source_text(candidate)
    verl = installed_version("verl")
    if "agg_loss" in text and verl and importlib.util.find_spec("verl") is not None:
        from verl.trainer.ppo.core_algos import agg_loss

        name = "verl-0.9" if "global_batch_size" in inspect.signature(agg_loss).parameters else "verl-0.4"
        return name, f"auto-detected: the loss calls verl's agg_loss (verl {verl} installed)"
    trl = installed_version("trl")
    if ("GRPOTrainer" in text or "_compute_loss" in text) and trl:
        if trl.split(".")[0] == "1":
            return "trl-1", f"auto-detected: the loss runs TRL's GRPOTrainer loss (trl {trl} installed)"
        return DEFAULT, f"default: the loss runs TRL {trl}'s GRPOTrainer loss, a version without named semantics"
    return DEFAULT, "default: the loss does not call a framework's aggregation"
