"""Bandit experiments for Thm D.10 with exact maximisers: the identity family at the paper's and relaxed radii,
fractional multiplicities, first-order ascent, sampled batches, T_s = 1, and training with exact maximisers."""

from __future__ import annotations

import itertools
from fractions import Fraction

import torch
from tqdm import tqdm

from fiberpo_check.envs.bandit import (
    ContextualBandit,
    RationalBandit,
    as_tensor,
    identity_bandit,
    rational_sample,
)
from fiberpo_check.empirical.training.bandit_exact import apc_state_gain, closed_form, paper_radius
from fiberpo_check.empirical.training.bandit_iteration import IterationConfig, policy_iteration
from fiberpo_check.empirical.training.bandit_updates import (
    apc_state_gains,
    exact_maxima,
    first_order_path,
    relative_distance,
    state_distances,
)


def old_policy(states: int, arms: int, seed: int, temperature: float = 1.0) -> torch.Tensor:
    """A random full-support softmax policy pi_old [S, K] (float64)."""
    gen = torch.Generator().manual_seed(1_000 + seed)
    return torch.softmax(temperature * torch.randn(states, arms, generator=gen, dtype=torch.float64), dim=1)


def radii(bandit: RationalBandit, cfg: dict) -> dict[str, tuple[Fraction, float | None]]:
    """The paper's delta^(APC-Obj) for every gamma and the relaxed radii: name -> (delta, gamma or None)."""
    found = {}
    for gamma in cfg["gammas"]:
        g = Fraction(str(gamma))
        found[f"paper, gamma={gamma}"] = (paper_radius(bandit.counts, bandit.advantages, g), gamma)
    found.update({f"relaxed {d}": (Fraction(str(d)), None) for d in cfg["deltas"]})
    return found


def describe(bandit: RationalBandit, state: int, delta: Fraction, apc, tv, closed) -> str:
    """One state's exact case, printed so a reader can check it by hand."""
    def vec(values) -> str:
        return "(" + ", ".join(str(v) for v in values) + ")"

    return (f"n = {vec(bandit.counts[state])}, pi_old = {vec(bandit.policy[state])}, A = "
            f"{vec(bandit.advantages[state])}, delta = {delta}: Thm D.3 closed form Delta = "
            f"{vec(closed) if closed else 'tied'}, APC-Obj maximiser over policies Delta = {vec(apc.least_norm)}, "
            f"penalised TV-TRPO (eq 67) maximiser over policies Delta = {vec(tv.least_norm)}")


def compare_batch(bandit: RationalBandit, delta: Fraction, apc_scale: int = 1) -> list[dict]:
    """Per state: exact APC-Obj maximiser against the exact penalised TV-TRPO maximiser of the whole batch (eqs 67-68)
    and Thm D.3's closed form (`apc_scale` != 1 is the negative control: APC-Obj maximised at apc_scale x delta)."""
    apc = exact_maxima(bandit, apc_scale * delta, "apc")
    tv = exact_maxima(bandit, delta, "tv_trpo")
    rows = []
    for state, (counts, adv) in enumerate(zip(bandit.counts, bandit.advantages)):
        closed = closed_form(counts, adv, delta)
        rows.append({
            "closed_form_policy": closed is not None and min(closed) >= -1,
            "apc_is_closed_form": apc[state].argmax == (closed,),
            "apc_is_tv_trpo_over_policies": apc[state].least_norm == tv[state].least_norm,
            "gain_apc": apc[state].value,
            "gain_closed_form": apc_state_gain(counts, adv, delta, closed) if closed else None,
            "case": describe(bandit, state, delta, apc[state], tv[state], closed),
        })
    return rows


def identity_rows(cfg: dict, fractional: bool = False) -> list[dict]:
    """Per bandit and radius of the identity family: does the exact APC-Obj maximiser equal Thm D.3's update?"""
    rows = []
    name = "fractional" if fractional else "integer"
    problems = cfg["fractional_problems"] if fractional else cfg["problems"]
    for seed in tqdm(range(problems), desc=f"bandit exact ({name} n)", leave=False):
        bandit = identity_bandit(cfg["states"], cfg["arms"], cfg["pulls"], seed, fractional=fractional)
        for radius, (delta, gamma) in radii(bandit, cfg).items():
            states = compare_batch(bandit, delta, cfg.get("apc_radius_scale", 1))
            failing = [s for s in states if not s["apc_is_tv_trpo_over_policies"]]
            rows.append({
                "family": name, "seed": seed, "radius": radius, "gamma": gamma, "delta": float(delta),
                "delta_exact": str(delta),
                "two_min_policy": float(2 * min(min(p) for p in bandit.policy)),
                "closed_form_policy": all(s["closed_form_policy"] for s in states),
                "apc_is_closed_form": all(s["apc_is_closed_form"] for s in states),
                "apc_is_tv_trpo_over_policies": all(s["apc_is_tv_trpo_over_policies"] for s in states),
                "gain_ratio_closed_form": float(sum(s["gain_closed_form"] or 0 for s in states)
                                                / sum(s["gain_apc"] for s in states)),
                "case": (failing or [s for s in states if not s["apc_is_closed_form"]] or [{"case": ""}])[0]["case"],
            })
    return rows


def minimal_counterexample(gammas: list[float], max_pulls: int = 5) -> str:
    """The smallest one-state bandit (fewest arms, then pulls, then smallest integer rewards) where APC-Obj's and
    penalised TV-TRPO's maximisers over policies differ at a configured gamma (paper's radius)."""
    for arms in (2, 3):
        for pulls in range(arms, max_pulls + 1):
            for cuts in itertools.combinations(range(1, pulls), arms - 1):
                counts = tuple(Fraction(b - a) for a, b in zip((0, *cuts), (*cuts, pulls)))
                for rewards in itertools.product(range(3), repeat=arms):
                    if len(set(rewards)) < 2:
                        continue
                    bandit = one_state_bandit(counts, tuple(map(Fraction, rewards)))
                    for gamma in sorted(gammas, reverse=True):
                        delta = paper_radius(bandit.counts, bandit.advantages, Fraction(str(gamma)))
                        row = compare_batch(bandit, delta)[0]
                        if not row["apc_is_tv_trpo_over_policies"]:
                            return f"gamma = {gamma}: {row['case']}"
    return ""


def one_state_bandit(counts: tuple[Fraction, ...], rewards: tuple[Fraction, ...]) -> RationalBandit:
    """One state, arms pulled `counts` times with mean rewards `rewards`, pi_old = n / T_s, A centred ((65), (66))."""
    pi = tuple(n / sum(counts) for n in counts)
    value = sum(p * r for p, r in zip(pi, rewards))
    return RationalBandit((counts,), (tuple(r - value for r in rewards),), (pi,))


def first_order_rows(cfg: dict) -> list[dict]:
    """Adam and SGD on theta: fraction of the exact APC-Obj gain reached and distance to the exact maximiser.

    Every bandit of the identity family is stacked into one [problems * S, K] table (states are independent and
    both optimisers act elementwise, so this equals separate runs); the radius is set per state, the learning rate
    is a multiple of the mean radius."""
    fo = cfg["first_order"]
    bandits = [identity_bandit(cfg["states"], cfg["arms"], cfg["pulls"], seed) for seed in range(fo["problems"])]
    stacked = RationalBandit(*(tuple(row for b in bandits for row in getattr(b, key))
                               for key in ("counts", "advantages", "policy")))
    sample, policy = stacked.tabular(), stacked.old_policy()
    rows = []
    for radius in fo["radii"]:
        deltas = [radii(b, cfg)[radius][0] for b in bandits for _ in range(cfg["states"])]
        maxima = [exact_maxima(RationalBandit((n,), (a,), (p,)), d, "apc")[0]
                  for n, a, p, d in zip(stacked.counts, stacked.advantages, stacked.policy, deltas)]
        best = as_tensor([m.least_norm for m in maxima])
        delta = torch.tensor([[float(d)] for d in deltas], dtype=torch.float64)
        best_gain = apc_state_gains(sample, best, delta)
        for optimiser, factor in ((o, f) for o in fo["optimisers"] for f in fo["lr_per_delta"]):
            lr = factor * float(delta.mean())
            path = first_order_path(sample, policy, delta, optimiser, lr, tuple(fo["steps"]))
            for steps, deviation in path.items():
                fraction = (apc_state_gains(sample, deviation, delta) / best_gain).reshape(len(bandits), -1)
                rows.append({
                    "radius": radius, "optimiser": optimiser, "lr_per_delta": factor, "lr": lr, "steps": steps,
                    "gain_fraction_median": float(fraction.mean(dim=1).median()),
                    "gain_fraction_min": float(fraction.min()),
                    "distance_median": float(state_distances(sample, deviation, best).median()),
                })
    return rows


def sampled_rows(cfg: dict) -> list[dict]:
    """Finite pulls ((65) approximate): exact APC-Obj maximiser over policies against penalised TV-TRPO's (eqs 67-68)
    and against Thm D.3's closed form."""
    rows = []
    delta = Fraction(str(cfg["sample_delta"]))
    for pulls in tqdm(cfg["sample_sizes"], desc="bandit sampled", leave=False):
        for seed in range(cfg["sample_seeds"]):
            env = ContextualBandit.random(cfg["states"], cfg["arms"], seed)
            policy = old_policy(cfg["states"], cfg["arms"], seed)
            sample = env.sampled_batch(policy, pulls, torch.Generator().manual_seed(seed))
            bandit = rational_sample(sample, policy)
            apc = exact_maxima(bandit, cfg.get("apc_radius_scale", 1) * delta, "apc")
            tv = exact_maxima(bandit, delta, "tv_trpo")
            closed = [closed_form(n, a, delta) for n, a in zip(bandit.counts, bandit.advantages)]
            apc_update = as_tensor([m.least_norm for m in apc])
            rows.append({
                "pulls": pulls, "seed": seed,
                "apc_is_tv_trpo_over_policies": all(a.least_norm == t.least_norm for a, t in zip(apc, tv)),
                "dist_apc_tv_trpo": relative_distance(sample, apc_update, as_tensor([m.least_norm for m in tv])),
                "apc_is_closed_form": all(a.argmax == (c,) for a, c in zip(apc, closed)),
                "dist_apc_closed_form": relative_distance(
                    sample, apc_update, as_tensor([c or (Fraction(0),) * cfg["arms"] for c in closed])),
                "unpulled_arms": int((sample.counts == 0).sum()),
            })
    return rows


def iteration_curves(cfg: dict) -> dict:
    """Expected return per iteration for every method and seed (same env and pull seeds for every method)."""
    it = cfg["iteration"]
    config = IterationConfig(cfg["states"], cfg["arms"], it["pulls_per_state"], it["iterations"], it["inner_steps"],
                             it["lr"], cfg["methods"])
    methods = ["apc_exact", "tv_trpo_exact", *(m for m in cfg["methods"] if m != "tv_trpo")]
    curves = {}
    for method in tqdm(methods, desc="bandit policy iteration", leave=False):
        curves[method] = [policy_iteration(method, config, seed) for seed in it["seeds"]]
    optimum = [float(ContextualBandit.random(cfg["states"], cfg["arms"], s).mean_reward.max(dim=1).values.mean())
               for s in it["seeds"]]
    return {"returns": curves, "optimum": optimum, "pulls_per_iteration": cfg["states"] * it["pulls_per_state"]}


def run(cfg: dict) -> dict:
    """All bandit results for a config."""
    torch.set_num_threads(cfg.get("threads", 1))
    return {
        "exact": identity_rows(cfg) + identity_rows(cfg, fractional=True),
        "minimal_counterexample": minimal_counterexample(cfg["gammas"]),
        "first_order": first_order_rows(cfg),
        "sampled": sampled_rows(cfg),
        "iteration": iteration_curves(cfg),
    }
