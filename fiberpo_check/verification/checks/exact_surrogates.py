"""Exact expectations, under pi_old, of every RGF surrogate (Def 3.1) on the enumerable tree policy.

A sampled batch is one prompt group of two i.i.d. trajectories (one domain); the expectation is the sum over all
N^2 ordered pairs weighted by pi_old(a) pi_old(b), so group-coupled gates (FiberPO-Domain, APC-Obj) are exact too.
Gates that act per trajectory need only groups of one (`single_batches`: N rows weighted by pi_old), which allows
longer trajectories. `fiberpo_cutoff` is the ablation of FiberPO whose rollback band is replaced by a plain cut-off
(the base gate clip(x, +-C) instead of g_agg).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import vmap

from fiberpo_check.envs.tree_policy import (
    TreePolicy,
    token_advantages,
    token_log_probs,
    trajectory_probs,
    true_objective,
)
from fiberpo_check.engine.aggregation import MODES, aggregate
from fiberpo_check.engine.objectives.ablations import GATES

ADVANTAGES = ("trajectory", "token")

RELAXED_APC_DELTA = 0.1  # relaxed: the TRPO radius (1-gamma)/(8 gamma) is 0 at gamma = 1


EXACT_METHODS = tuple(GATES)
DEFAULT_HYPER = {name: {**rgf.defaults, **({"delta": RELAXED_APC_DELTA} if name == "apc" else {})}
                 for name, rgf in GATES.items()}


@dataclass(frozen=True)
class PairBatches:
    """Groups of listed trajectories stacked into one batch: all N^2 ordered pairs (2 N^2 rows, rows 2p and 2p+1 form
    group p) or every trajectory alone (`group` = 1, N rows)."""

    tree: TreePolicy
    theta_old: Tensor
    rows: Tensor  # [2 N^2] trajectory index of each row
    pair_weight: Tensor  # [N^2] pi_old(a) pi_old(b)
    mask: Tensor  # [2 N^2, H]
    old_log_prob: Tensor  # [2 N^2, H]
    advantages: Tensor  # [2 N^2, H]
    pair_ids: Tensor  # [2 N^2] pair index: the prompt group and the domain of the row
    state_ids: Tensor  # [2 N^2, H] state index made unique per pair (APC-Obj pools entries of a state per batch)
    group: int = 2  # trajectories per group


def pair_batches(tree: TreePolicy, theta_old: Tensor, advantage: str = "trajectory") -> PairBatches:
    """Stack every ordered pair; advantages A = R - J(theta_old) per trajectory, or exact Q - V per token."""
    if advantage not in ADVANTAGES:
        raise ValueError(f"advantage: {advantage!r} is not one of {ADVANTAGES}")
    theta_old = theta_old.detach()
    n = tree.n_trajectories
    device = theta_old.device
    first, second = torch.meshgrid(torch.arange(n, device=device), torch.arange(n, device=device), indexing="ij")
    rows = torch.stack([first.flatten(), second.flatten()], dim=1).flatten()
    probs = trajectory_probs(tree, theta_old)
    if advantage == "trajectory":
        adv = (tree.rewards - true_objective(tree, theta_old))[:, None].expand_as(tree.mask)
        adv = torch.where(tree.mask, adv, 0.0)
    else:
        adv = token_advantages(tree, theta_old)
    pair_ids = torch.arange(n * n, device=device).repeat_interleave(2)
    return PairBatches(
        tree=tree,
        theta_old=theta_old,
        rows=rows,
        pair_weight=probs[first.flatten()] * probs[second.flatten()],
        mask=tree.mask[rows],
        old_log_prob=token_log_probs(tree, theta_old)[rows],
        advantages=adv[rows],
        pair_ids=pair_ids,
        state_ids=tree.states[rows] + pair_ids[:, None] * tree.n_states,
    )


def single_batches(tree: TreePolicy, theta_old: Tensor) -> PairBatches:
    """Every trajectory as its own group of one, weighted by pi_old(tau), with advantages R - J(theta_old).

    Exact for gates acting per trajectory (identity, PPO, GRPO, GSPO, FiberPO and its cut-off ablation) under
    per-trajectory weights (seq-mean-*)."""
    theta_old = theta_old.detach()
    n = tree.n_trajectories
    rows = torch.arange(n, device=theta_old.device)
    adv = torch.where(tree.mask, (tree.rewards - true_objective(tree, theta_old))[:, None], 0.0)
    return PairBatches(tree, theta_old, rows, trajectory_probs(tree, theta_old), tree.mask,
                       token_log_probs(tree, theta_old),
                       adv, rows, tree.states + rows[:, None] * tree.n_states, group=1)


def gated_ratios(method: str, log_ratio: Tensor, batches: PairBatches, hyper: dict | None = None) -> Tensor:
    """Per-token G(r) of `method` on the stacked pairs; `identity` is G = r (the linear surrogate)."""
    if method not in EXACT_METHODS:
        raise ValueError(f"method: {method!r} is not one of {EXACT_METHODS}")
    rgf = GATES[method]
    ids = {"state_ids": batches.state_ids, "group_ids": batches.pair_ids, "domain_ids": batches.pair_ids}
    return rgf.gate(log_ratio, batches.advantages, batches.mask, **{name: ids[name] for name in rgf.ids},
                    **{**DEFAULT_HYPER[method], **(hyper or {})})


def expected_surrogate(method: str, theta: Tensor, batches: PairBatches, mode: str | None = None,
                       hyper: dict | None = None) -> Tensor:
    """E_{pairs ~ pi_old}[J_hat(theta | theta_old)] with the given aggregation mode (default: the method's own)."""
    if method not in EXACT_METHODS:
        raise ValueError(f"method: {method!r} is not one of {EXACT_METHODS}")
    mode = mode or GATES[method].native_mode
    if mode not in MODES:
        raise ValueError(f"mode: {mode!r} is not one of {MODES}")
    log_ratio = token_log_probs(batches.tree, theta)[batches.rows] - batches.old_log_prob
    per_token = gated_ratios(method, log_ratio, batches, hyper) * batches.advantages
    horizon = batches.mask.shape[1]
    values = per_token.reshape(-1, batches.group, horizon)
    masks = batches.mask.reshape(-1, batches.group, horizon)
    per_pair = vmap(lambda v, m: aggregate(v, m, mode))(values, masks)
    return (batches.pair_weight * per_pair).sum()


def value_and_gradient(fn, theta: Tensor) -> tuple[Tensor, Tensor]:
    """fn(theta) and its exact gradient by autodiff (float64)."""
    theta = theta.detach().requires_grad_(True)
    value = fn(theta)
    return value.detach(), torch.autograd.grad(value, theta)[0]


def true_gain(batches: PairBatches, theta: Tensor) -> Tensor:
    """J(theta) - J(theta_old): what J_hat(theta | theta_old) approximates (J^(1) = J(theta_old) + J_hat, App. A)."""
    return true_objective(batches.tree, theta) - true_objective(batches.tree, batches.theta_old)
