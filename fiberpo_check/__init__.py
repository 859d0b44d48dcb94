"""fiberpo-check: a verification toolkit for Fibration Policy Optimization (arXiv 2603.08239)."""

from fiberpo_check import losses
from fiberpo_check.engine.objectives import surrogate
from fiberpo_check.engine.objectives.fiberpo import fiberpo_gate
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_gate

__all__ = ["fiberpo_gate", "fiberpo_domain_gate", "surrogate", "losses"]
__version__ = "0.1.0"
