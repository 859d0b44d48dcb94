"""What the conformance checker feeds a candidate: hyperparameters as inputs, renamed config keys, a config factory."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

# factor each hyperparameter is varied by on its own (all jointly: JOINT), and the value given to one that is unset
# (Dr. GRPO's constant length, whose framework default is the padded width); none is a common framework default, so
# a constant typed into the loss is caught
FACTORS = {"fiberpo_c_pos": 0.5, "fiberpo_c_neg": 2.0, "fiberpo_eps": 2.0, "fiberpo_eps_neg": 0.5,
           "clip_ratio_low": 0.5, "clip_ratio_high": 2.0, "clip_ratio_c": 1.5, "loss_scale_factor": 1.5}
JOINT = 1.5
UNSET = {"loss_scale_factor": 48}
IN_BATCH_INFO = ("loss_scale_factor",)  # keys that live in verl's global_batch_info


def scaled(value, factor: float):
    """A budget (float, or per-level dict) times `factor`."""
    return {k: v * factor for k, v in value.items()} if isinstance(value, dict) else value * factor


@dataclass
class Settings:
    """Canonical hyperparameter overrides, canonical -> candidate key names, and an optional config factory."""

    hyper: dict = field(default_factory=dict)
    key_map: dict = field(default_factory=dict)
    factory: Callable[[dict], object] | None = None

    def render(self, config: dict):
        """The config the candidate receives: keys renamed by `key_map`, then built by `factory` if one is set."""
        rendered: dict = {}
        for key, value in config.items():
            name = self.key_map.get(key, key)
            if name in rendered and rendered[name] is not value and rendered[name] != value:
                raise ValueError(f"key_map: {key!r} and another key both map to {name!r} with different values "
                                 f"({rendered[name]!r} vs {value!r}); give them one value")
            rendered[name] = value
        return self.factory(rendered) if self.factory else rendered

    def variations(self, probe, keys: tuple[str, ...]) -> list[tuple[str, object]]:
        """(key, probe) for each key varied alone, then ('jointly', probe) with every key varied, where the
        candidate's config can express the change (two keys mapped to one name are varied jointly only)."""
        changes = {key: varied_value(probe.config, key, FACTORS[key]) for key in keys}
        probes = [(key, with_hyper(probe, {key: value})) for key, value in changes.items()]
        probes.append(("jointly", with_hyper(probe, {key: varied_value(probe.config, key, JOINT) for key in keys})))
        expressible = []
        for key, varied in probes:
            try:
                self.render(varied.config)
            except ValueError:  # two canonical keys share one candidate key: vary them together only
                continue
            expressible.append((key, varied))
        return expressible


def config_of(config: dict, key: str):
    """A hyperparameter's value in a canonical config (verl keeps loss_scale_factor in global_batch_info)."""
    if key in IN_BATCH_INFO:
        return (config.get("global_batch_info") or {}).get(key)
    return config.get(key)


def varied_value(config: dict, key: str, factor: float):
    """The key's configured value times `factor`, or its UNSET value when it is not configured."""
    value = config_of(config, key)
    return UNSET[key] if value is None else scaled(value, factor)


def with_hyper(probe, values: dict):
    """The probe with some hyperparameters set (global_batch_info keys merged into that dict)."""
    info = {k: v for k, v in values.items() if k in IN_BATCH_INFO}
    plain = {k: v for k, v in values.items() if k not in IN_BATCH_INFO}
    if info:
        plain["global_batch_info"] = {**(probe.config.get("global_batch_info") or {}), **info}
    varied = probe.with_config(**plain)
    if info:
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        varied.name = f"{probe.name} [{shown}]"
    return varied


def parse_budget(text: str):
    """'0.1' -> 0.1; 'domain=0.1,group=0.12,trajectory=0.15' -> per-level dict (FiberPO-Domain)."""
    if "=" not in text:
        return float(text)
    pairs = dict(item.split("=", 1) for item in text.split(","))
    return {level.strip(): float(value) for level, value in pairs.items()}


def parse_assignments(items: list[str] | None, what: str) -> dict:
    """['KEY=VALUE', ...] -> dict; values are Python literals where they parse (numbers, dicts), else strings."""
    result = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{what}: expected KEY=VALUE, got {item!r}")
        try:
            result[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            result[key] = value
    return result
