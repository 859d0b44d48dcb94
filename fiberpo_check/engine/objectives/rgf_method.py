"""One RGF method (Def 3.1, eq 2) as data: its gate G, weights mu (its native aggregation mode), default
hyperparameters and the id tensors it needs. The methods themselves are listed in `family.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from torch import Tensor

from fiberpo_check.engine.aggregation import aggregate

ID_NAMES = ("group_ids", "domain_ids", "state_ids")


@dataclass(frozen=True)
class RGFMethod:
    """One method as the paper's (E, mu, G): `gate(log_ratio, advantages, mask, **ids, **hyper)` gives G(r) per token
    [B, T]; `native_mode` is the aggregation whose weights are the paper's mu; `defaults` every hyperparameter's
    default (None where there is none); `ids` the id tensors the gate needs; `required` the hyperparameters without a default.
    `objective_override` replaces the RGF sum for objectives not of that form (TV-TRPO, eq 67). `clipped(log_ratio,
    mask, **ids, **hyper)` marks where the trust region clips ([B, T] per token, [B] per trajectory); `parts` gives the
    FiberPO family's intermediates (FiberParts: fiber arguments, base gates per level and channel)."""

    name: str
    label: str
    gate: Callable[..., Tensor] | None
    native_mode: str | None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    ids: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    objective_override: Callable[..., Tensor] | None = None
    clipped: Callable[..., Tensor] | None = None
    parts: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))

    def hyper(self, given: Mapping[str, Any]) -> dict:
        """The defaults overridden by `given`; unknown names, and required names left at None, raise."""
        unknown = set(given) - set(self.defaults)
        hyper = {**self.defaults, **given}
        missing = [name for name in self.required if hyper.get(name) is None]
        if unknown or missing:
            raise ValueError(f"hyper: {self.name} takes {sorted(self.defaults)}; unknown {sorted(unknown)}, "
                             f"missing {missing}")
        return hyper

    def split(self, kwargs: Mapping[str, Any]) -> tuple[dict, dict]:
        """(ids, hyper) from keyword arguments: the needed id tensors (missing ones raise), then the hyperparameters."""
        missing = [name for name in self.ids if kwargs.get(name) is None]
        if missing:
            raise ValueError(f"{'/'.join(missing)}: {self.name} needs {', '.join(self.ids)}")
        ids = {name: kwargs[name] for name in self.ids}
        return ids, self.hyper({k: v for k, v in kwargs.items() if k not in self.ids})

    def objective(self, log_ratio: Tensor, advantages: Tensor, mask: Tensor, **kwargs) -> Tensor:
        """J-hat = sum_i mu_i G(r)_i A_i with the native weights (eq 2), or the override's value."""
        if self.objective_override is not None:
            return self.objective_override(log_ratio, advantages, mask, **kwargs)
        ids, hyper = self.split(kwargs)
        gate = self.gate(log_ratio, advantages, mask, **ids, **hyper)
        return aggregate(gate * advantages, mask != 0, self.native_mode)
