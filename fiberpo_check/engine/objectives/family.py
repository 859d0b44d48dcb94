"""The RGF family in one place: the paper's methods in paper order, the relatives trainers implement, and the
framework names that map onto them. Every table of methods elsewhere reads these."""

from __future__ import annotations

from fiberpo_check.engine.objectives.apc import APC
from fiberpo_check.engine.objectives.fiberpo import FIBERPO
from fiberpo_check.engine.objectives.fiberpo_domain import FIBERPO_DOMAIN
from fiberpo_check.engine.objectives.grpo import GRPO
from fiberpo_check.engine.objectives.gspo import GSPO
from fiberpo_check.engine.objectives.ppo import PPO
from fiberpo_check.engine.objectives.relatives import CISPO, DAPO, DR_GRPO, GSPO_TOKEN
from fiberpo_check.engine.objectives.rgf_method import RGFMethod
from fiberpo_check.engine.objectives.tv_trpo import TV_TRPO

PAPER_METHODS = (PPO, GRPO, GSPO, APC, TV_TRPO, FIBERPO, FIBERPO_DOMAIN)
RELATIVES = (GSPO_TOKEN, DAPO, DR_GRPO, CISPO)


def by_name(methods: tuple[RGFMethod, ...]) -> dict[str, RGFMethod]:
    """{name: method}, refusing a name listed twice."""
    table = {m.name: m for m in methods}
    if len(table) != len(methods):
        raise ValueError(f"methods: a name is listed twice in {[m.name for m in methods]}")
    return table


REGISTRY = by_name(PAPER_METHODS)  # the paper's objectives
FAMILY = by_name(PAPER_METHODS + RELATIVES)  # the paper's objectives and their relatives

# TRL GRPOTrainer's loss_type -> the family member whose weights mu it computes (bnpo: one token mean over the batch,
# PPO's 1/T per sample; dapo: the same with the global token count)
TRL_LOSS_TYPES = {"grpo": "grpo", "bnpo": "ppo", "dr_grpo": "dr_grpo", "dapo": "dapo", "cispo": "cispo"}
# TRL loss_type -> the verl aggregation mode it computes (on one process, without gradient accumulation)
TRL_MODES = {loss_type: FAMILY[name].native_mode for loss_type, name in TRL_LOSS_TYPES.items()}


def method(name: str) -> RGFMethod:
    """The family member called `name`; unknown names raise, listing the known ones."""
    if name not in FAMILY:
        raise ValueError(f"method: {name!r} is not one of {tuple(FAMILY)}")
    return FAMILY[name]
