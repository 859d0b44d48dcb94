"""What the conformance checker feeds a candidate: hyperparameters as inputs, renamed config keys, a config factory."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

SCALED_KEYS = ("fiberpo_c_pos", "fiberpo_c_neg", "fiberpo_eps", "fiberpo_eps_neg", "clip_ratio_low", "clip_ratio_high")
VARIATIONS = ({"fiberpo_c_pos": 0.5, "clip_ratio_low": 0.5}, {"fiberpo_c_neg": 2.0, "clip_ratio_high": 2.0},
              {"fiberpo_eps": 2.0}, {"fiberpo_eps_neg": 0.5}, dict.fromkeys(SCALED_KEYS, 1.5))


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

    def variations(self, probe) -> list:
        """The probe under each hyperparameter change the candidate's config can express (see `render`)."""
        probes = []
        for factors in VARIATIONS:
            changes = {k: scaled(probe.config[k], f) for k, f in factors.items() if k in probe.config}
            if not changes:
                continue
            varied = probe.with_config(**changes)
            try:
                self.render(varied.config)
            except ValueError:  # two canonical keys share one candidate key: vary them together only
                continue
            probes.append(varied)
        return probes


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
