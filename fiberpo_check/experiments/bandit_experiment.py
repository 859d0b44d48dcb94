"""Bandit experiments for Thm D.10: exact-expectation distances, the sample-size curve, T_s = 1, policy iteration."""

from __future__ import annotations

import torch
from tqdm import tqdm

from ..envs.bandit import ContextualBandit
from ..objectives import surrogate
from ..objectives.tv_trpo import TabularSample
from ..training.bandit_iteration import IterationConfig, policy_iteration
from ..training.bandit_updates import (
    apc_gradient_update,
    apc_lp_update,
    apc_objective,
    paper_delta,
    probability_violation,
    relative_distance,
    tv_trpo_update,
)


def old_policy(states: int, arms: int, seed: int, temperature: float = 1.0) -> torch.Tensor:
    """A random full-support softmax policy pi_old [S, K] (float64)."""
    gen = torch.Generator().manual_seed(1_000 + seed)
    return torch.softmax(temperature * torch.randn(states, arms, generator=gen, dtype=torch.float64), dim=1)


def exact_rows(cfg: dict) -> list[dict]:
    """Exact-expectation bandit: distance of APC-Obj maximisers (LP with (65), LP over real policies, Adam) to Thm D.3."""
    rows = []
    for seed in tqdm(cfg["seeds"], desc="bandit exact", leave=False):
        env = ContextualBandit.random(cfg["states"], cfg["arms"], seed)
        policy = old_policy(cfg["states"], cfg["arms"], seed)
        sample = env.exact_batch(policy, cfg["exact_pulls"])
        radii = {f"paper, gamma={g}": paper_delta(sample, g) for g in cfg["gammas"]}
        radii.update({f"relaxed {d}": d for d in cfg["deltas"]})
        for name, delta in radii.items():
            tv = tv_trpo_update(sample, delta)
            lp = apc_lp_update(sample, delta)
            lp_real = apc_lp_update(sample, delta, policy)
            adam = apc_gradient_update(sample, policy, delta, cfg["gd_steps"], cfg["gd_lr_frac"] * delta)
            best = float(apc_objective(sample, tv, delta))
            rows.append(
                {
                    "seed": seed,
                    "radius": name,
                    "delta": delta,
                    "closed_form_feasible": bool((tv >= -1).all()),
                    "dist_lp": relative_distance(sample, lp, tv),
                    "dist_lp_real_policy": relative_distance(sample, lp_real, tv),
                    "dist_adam": relative_distance(sample, adam, tv),
                    "value_closed_form": best,
                    "value_fraction_lp": float(apc_objective(sample, lp, delta)) / best,
                    "value_fraction_adam": float(apc_objective(sample, adam, delta)) / best,
                }
            )
    return rows


def sampled_rows(cfg: dict) -> list[dict]:
    """Finite pulls: APC-Obj's maximiser over real policies against closed-form TV-TRPO, as a function of pulls."""
    rows = []
    for pulls in tqdm(cfg["sample_sizes"], desc="bandit sampled", leave=False):
        for seed in range(cfg["sample_seeds"]):
            env = ContextualBandit.random(cfg["states"], cfg["arms"], seed)
            policy = old_policy(cfg["states"], cfg["arms"], seed)
            sample = env.sampled_batch(policy, pulls, torch.Generator().manual_seed(seed))
            tv = tv_trpo_update(sample, cfg["sample_delta"])
            apc = apc_lp_update(sample, cfg["sample_delta"], policy)
            rows.append(
                {
                    "pulls": pulls,
                    "seed": seed,
                    "dist_apc_real_policy": relative_distance(sample, apc, tv),
                    "violation_65_apc": probability_violation(sample, apc),
                    "unpulled_arms": int((sample.counts == 0).sum()),
                }
            )
    return rows


def llm_regime(cfg: dict) -> dict:
    """T_s = 1: APC-Obj equals clip(r, 1 +- delta) A without a min, and the TV-TRPO update is zero."""
    gen = torch.Generator().manual_seed(0)
    tokens, delta = cfg["llm_tokens"], cfg["sample_delta"]
    log_ratio = 0.3 * torch.randn(1, tokens, generator=gen, dtype=torch.float64)
    advantages = torch.randn(1, tokens, generator=gen, dtype=torch.float64)
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    state_ids = torch.arange(tokens)[None]
    apc = surrogate("apc", log_ratio, torch.zeros_like(log_ratio), advantages, mask, state_ids=state_ids, delta=delta)
    hard_clip = (torch.clamp(log_ratio.exp(), 1 - delta, 1 + delta) * advantages).mean()
    counts = torch.nn.functional.one_hot(torch.arange(tokens) % 4, 4).to(torch.float64)
    single = TabularSample.build(counts, counts * advantages[0, :, None])
    return {
        "apc_minus_hard_clip": float((apc - hard_clip).abs()),
        "tv_trpo_update_norm": float(tv_trpo_update(single, delta).abs().max()),
        "tokens": tokens,
        "delta": delta,
    }


def iteration_curves(cfg: dict) -> dict:
    """Expected return per iteration for every method and seed."""
    it = cfg["iteration"]
    config = IterationConfig(
        cfg["states"], cfg["arms"], it["pulls_per_state"], it["iterations"], it["inner_steps"], it["lr"], cfg["methods"]
    )
    curves = {}
    for method in tqdm(cfg["methods"], desc="bandit policy iteration", leave=False):
        curves[method] = [policy_iteration(method, config, seed) for seed in cfg["seeds"]]
    optimum = [
        float(ContextualBandit.random(cfg["states"], cfg["arms"], s).mean_reward.max(dim=1).values.mean())
        for s in cfg["seeds"]
    ]
    return {"returns": curves, "optimum": optimum, "pulls_per_iteration": cfg["states"] * it["pulls_per_state"]}


def run(cfg: dict) -> dict:
    """All bandit results for a config."""
    torch.set_num_threads(cfg.get("threads", 1))
    return {
        "exact": exact_rows(cfg),
        "sampled": sampled_rows(cfg),
        "llm_regime": llm_regime(cfg),
        "iteration": iteration_curves(cfg),
    }
