"""fiberpo-check: a verification toolkit for Fibration Policy Optimization (arXiv 2603.08239).

The public names are imported on first use, so `python -m fiberpo_check --help` does not load torch.
"""

from __future__ import annotations

import importlib

__all__ = ["fiberpo_gate", "fiberpo_domain_gate", "surrogate", "losses"]
__version__ = "0.1.0"

LAZY = {
    "losses": ("fiberpo_check.losses", None),
    "surrogate": ("fiberpo_check.engine.objectives", "surrogate"),
    "fiberpo_gate": ("fiberpo_check.engine.objectives.fiberpo", "fiberpo_gate"),
    "fiberpo_domain_gate": ("fiberpo_check.engine.objectives.fiberpo_domain", "fiberpo_domain_gate"),
}


def __getattr__(name: str):
    """Import a public name on first access (PEP 562)."""
    if name not in LAZY:
        raise AttributeError(f"module 'fiberpo_check' has no attribute {name!r}")
    module_name, attribute = LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *LAZY])
