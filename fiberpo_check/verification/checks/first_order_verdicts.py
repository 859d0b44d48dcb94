"""EMP-1 (first-order agreement with the true J, in exact rationals) and EMP-2 ("better update direction", as a
named metric over many enumerable problems at drift-matched budgets, with a rollback-band ablation)."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, replace

import numpy as np
import torch
from scipy import stats

from fiberpo_check.envs.tree_policy import build_tree, random_logits
from fiberpo_check.vocabulary.stats import paired_contrast
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks import first_order_exact as exact
from fiberpo_check.verification.checks.exact_surrogates import (
    expected_surrogate,
    pair_batches,
    single_batches,
    value_and_gradient,
)
from fiberpo_check.verification.checks.first_order import ascent_path, second_order_rows
from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement

PRODUCER = "verify"
CROSS_CHECK_TOL = 1e-10  # float64 autodiff gradient against the exact rational one (relative)
GATED = ("ppo", "grpo", "gspo", "apc", "fiberpo", "fiberpo_domain", "fiberpo_cutoff")
RIVALS = ("ppo", "gspo")  # per-trajectory gates compared with FiberPO under the same weights
BUDGETS = {  # one budget scale kappa per method family
    "ppo": lambda k: {"eps_low": k},
    "gspo": lambda k: {"eps_low": k, "eps_high": k},
    "fiberpo": lambda k: {"c_pos": k, "c_neg": k, "eps": k},
    "fiberpo_cutoff": lambda k: {"c_pos": k, "c_neg": k, "eps": k},
}
FIRST_ORDER_PRESETS = {
    "quick": {"shapes": ((2, 2), (3, 2)), "seeds": 2, "cross_check": (3, 2),
              "problems": 4, "tree": (3, 3), "calibration": 2, "grid": (0.1, 0.4), "epochs": 6, "step": 0.3},
    "default": {"shapes": ((2, 2), (2, 4), (3, 2), (3, 3), (3, 4)), "seeds": 6, "cross_check": (3, 3),
                "problems": 30, "tree": (3, 6), "calibration": 6, "grid": (0.05, 0.1, 0.2, 0.4, 0.8), "epochs": 12,
                "step": 0.3},
    "full": {"shapes": ((2, 2), (2, 4), (2, 6), (3, 2), (3, 3), (3, 4), (4, 3)), "seeds": 12, "cross_check": (3, 4),
             "problems": 60, "tree": (3, 7), "calibration": 10, "grid": (0.05, 0.1, 0.2, 0.4, 0.8), "epochs": 20,
             "step": 0.3},
}
REFERENCE = ("ppo", 0.2)  # drift target: PPO's measured per-update drift at eps = 0.2


# ---------------------------------------------------------------- EMP-1


def agreement_outcome(trees, weights: str, advantage: str, domain: str,
                      keys=("gradient_equal", "value_equal")) -> Outcome:
    """Exhaustive: the linear surrogate with (weights, advantage) has value offset 0 and gradient grad J on every tree
    (`keys` = ("gradient_equal",) checks the gradient only)."""
    failing, counts = None, {"trees": len(trees), "gradient_equal": 0, "value_equal": 0}
    for tree in trees:
        found = exact.agreement(tree, weights, advantage)
        counts["gradient_equal"] += found["gradient_equal"]
        counts["value_equal"] += found["value_equal"]
        if not all(found[k] for k in keys):
            failing = failing or exact.describe(tree, weights, advantage, found)
    return Outcome("exhaustive", "exact-rationals", domain, holds=failing is None, counterexample=failing or "",
                   measurements={f"{weights} weights, {advantage} advantages": counts})


def minimal_counterexample(weights: str, advantage: str) -> str:
    """The first failing policy on the smallest tree (vocab 2, horizon 2) with weights in 1..2, rewards in (1/4) Z."""
    for seed in range(64):
        tree = exact.rational_tree(2, 2, seed, max_weight=2)
        found = exact.agreement(tree, weights, advantage)
        if not (found["gradient_equal"] and found["value_equal"]):
            return exact.describe(tree, weights, advantage, found)
    return ""


def cross_check_outcome(vocab: int, horizon: int, seed: int = 0) -> Outcome:
    """Float64 cross-check: every gated surrogate's autodiff gradient at theta_old (mu = 1 per token, A = R - J) equals
    the exact rational grad J; a float outcome can only refute."""
    rational = exact.rational_tree(vocab, horizon, seed)
    tree = replace(build_tree(vocab, horizon), rewards=torch.tensor([float(r) for r in rational.rewards],
                                                                   dtype=torch.float64))
    theta = torch.tensor([[math.log(p) for p in row] for row in rational.policy], dtype=torch.float64)
    truth = exact.true_gradient(rational)
    reference = torch.tensor([[float(truth[(s, a)]) for a in range(vocab)] for s in range(tree.n_states)],
                             dtype=torch.float64)
    batches = pair_batches(tree, theta, "trajectory")
    errors = {}
    for method in GATED:
        _, grad = value_and_gradient(lambda th: expected_surrogate(method, th, batches, "seq-mean-token-sum"), theta)
        errors[method] = float((grad - reference).norm() / reference.norm())
    return Outcome("float", "float64 autodiff", f"vocab {vocab}, horizon {horizon}, {', '.join(GATED)}",
                   holds=max(errors.values()) <= CROSS_CHECK_TOL, measurements={"relative_error": errors})


def emp1_substatements(settings: dict, claim=("paper", "trajectory"),
                       condition=("unit", "token")) -> list[SubStatement]:
    """Thm 4.5 in practice with the paper's weights (1/T_tau), decided as stated (the weights that make it exact are a
    different objective, reported as a remark, never as a condition of the stated one)."""
    trees = exact.family(settings["shapes"], settings["seeds"])
    domain = (f"{len(trees)} rational tree policies, (vocab, horizon) in {list(settings['shapes'])}, pi(.|s) with "
              "weights 1..3, rewards in (1/4) Z")
    under = agreement_outcome(trees, *condition, domain)
    stated = agreement_outcome(trees, *claim, domain)
    stated = replace(stated, counterexample=stated.counterexample and (minimal_counterexample(*claim)
                                                                       or stated.counterexample))
    return [
        SubStatement("EMP-1/thm-4.5-paper-weights", f"FiberPO's surrogate with its own weights ({claim[0]}: 1/(|G| "
                     f"T_tau), {claim[1]} advantages) has J's value and gradient at theta_old",
                     "Thm 4.5, Prop 5.4, eqs 5-6", (stated,)),
        SubStatement("EMP-1/exact-weights", f"With mu = {condition[0]} per token and {condition[1]} advantages the "
                     "identity-gated surrogate has J's value and gradient at theta_old", "Thm 4.5, App. A",
                     (under, cross_check_outcome(*settings["cross_check"])), role="remark"),
        SubStatement("EMP-1/gradient-only", f"With mu = {condition[0]} per token the gradient equals grad J for "
                     "either advantage, R - J or Q - V (the value is checked in EMP-1/exact-weights)", "Thm 4.5",
                     tuple(agreement_outcome(trees, condition[0], a, domain, keys=("gradient_equal",))
                           for a in exact.ADVANTAGES), role="remark"),
    ]


# ---------------------------------------------------------------- EMP-2


def problems(settings: dict) -> list:
    """Random enumerable problems: tree `settings['tree']`, rewards and theta_old seeded per problem."""
    vocab, horizon = settings["tree"]
    found = []
    for index in range(settings["problems"]):
        tree = build_tree(vocab, horizon, seed=index)
        found.append(single_batches(tree, random_logits(tree, seed=10_000 + index)))
    return found


def path_summary(batches, method: str, kappa: float, settings: dict, advantage_sign: float = 1.0) -> dict:
    """Mean cosine over a method's own ascent path (epochs >= 1 with a gradient) and its drift (mean TV over the last
    third of the path: the per-update drift the budget allows)."""
    rows = ascent_path(batches, method, BUDGETS[method](kappa), epochs=settings["epochs"], step=settings["step"],
                       advantage_sign=advantage_sign)
    moving = [r["cosine"] for r in rows[1:] if not math.isnan(r["cosine"])]
    tail = [r["tv"] for r in rows[len(rows) - max(1, len(rows) // 3):]]
    return {"cosine": statistics.mean(moving) if moving else 0.0, "drift": statistics.mean(tail)}


def calibrate(batches: list, settings: dict, say) -> dict[str, dict]:
    """Budget scale per method whose median drift on the calibration problems matches PPO's at eps = 0.2
    (log-linear interpolation over the grid)."""
    subset = batches[: settings["calibration"]]

    def drift(method: str, kappa: float) -> float:
        return statistics.median(path_summary(b, method, kappa, settings)["drift"] for b in subset)

    target = drift(*REFERENCE)
    chosen = {}
    for method in BUDGETS:
        grid = [(k, drift(method, k)) for k in settings["grid"]]
        chosen[method] = {"kappa": interpolate(grid, target), "grid_drift": grid}
        say(f"  {method}: drift by budget " + ", ".join(f"{k:g} -> {d:.3f}" for k, d in grid)
            + f"; matched kappa {chosen[method]['kappa']:.3g}")
    return {"target": target, "methods": chosen}


def interpolate(grid: list[tuple[float, float]], target: float) -> float:
    """kappa whose drift is `target`, log-linear between grid points (clamped to the grid)."""
    points = sorted(grid, key=lambda kd: kd[1])
    if target <= points[0][1]:
        return points[0][0]
    for (k0, d0), (k1, d1) in zip(points, points[1:]):
        if d0 <= target <= d1:
            w = 0.0 if d1 == d0 else (target - d0) / (d1 - d0)
            return math.exp((1 - w) * math.log(k0) + w * math.log(k1))
    return points[-1][0]


def paired(a: list[float], b: list[float]) -> dict:
    """Paired difference a - b over problems (paired t: mean, 95% interval, p, detectable effect) with the Wilcoxon
    signed-rank p beside it."""
    nonzero = (np.asarray(a) - np.asarray(b))[np.asarray(a) != np.asarray(b)]
    return {**asdict(paired_contrast(a, b)), "wilcoxon_p": float(stats.wilcoxon(nonzero).pvalue) if len(nonzero) > 1 else 1.0}


def better(contrast: dict) -> bool:
    """Significantly positive: p < 0.05 and the interval above 0."""
    return contrast["p_value"] < 0.05 and contrast["ci_low"] > 0


def direction_rows(batches: list, matched: dict, settings: dict, sign: dict, say) -> dict[str, list[dict]]:
    """Per method the path summary on every problem at its matched budget (`sign` flips a method's advantages)."""
    rows = {}
    for method, choice in matched["methods"].items():
        rows[method] = [path_summary(b, method, choice["kappa"], settings, sign.get(method, 1.0)) for b in batches]
        say(f"  {method}: mean path cosine {statistics.mean(r['cosine'] for r in rows[method]):.3f}, median drift "
            f"{statistics.median(r['drift'] for r in rows[method]):.3f}")
    return rows


def emp2_substatements(settings: dict, say=print, sign: dict | None = None) -> tuple[list[SubStatement], dict]:
    """FiberPO against PPO and GSPO, and the cut-off ablation, on the named metric; returns the data too."""
    batches = problems(settings)
    say(f"EMP-2: {len(batches)} problems, tree {settings['tree']} ({batches[0].tree.n_trajectories} trajectories); "
        "budgets matched by measured drift")
    matched = calibrate(batches, settings, say)
    rows = direction_rows(batches, matched, settings, sign or {}, say)
    cos = {m: [r["cosine"] for r in rs] for m, rs in rows.items()}
    contrasts = {f"fiberpo-{r}": paired(cos["fiberpo"], cos[r]) for r in RIVALS}
    contrasts["fiberpo-fiberpo_cutoff"] = paired(cos["fiberpo"], cos["fiberpo_cutoff"])
    contrasts |= {f"fiberpo_cutoff-{r}": paired(cos["fiberpo_cutoff"], cos[r]) for r in RIVALS}
    drifts = {m: statistics.median(r["drift"] for r in rs) for m, rs in rows.items()}
    vocab, horizon = settings["tree"]
    domain = (f"{len(batches)} random tree policies (vocab {vocab}, horizon {horizon}, "
              f"{batches[0].tree.n_trajectories} trajectories), {settings['epochs']} normalised ascent steps of "
              f"{settings['step']}, weights 1/T_tau for every method, budgets matched to PPO(eps=0.2)'s median drift "
              f"{matched['target']:.3f} (achieved: " + ", ".join(f"{m} {d:.3f}" for m, d in drifts.items()) + ")")
    metric = "mean over the update path of cos(grad E J_hat, grad J), paired across problems"
    measured = {"metric": metric, "drift_target": matched["target"], "drift": drifts,
                "kappa": {m: c["kappa"] for m, c in matched["methods"].items()}}
    subs = [
        SubStatement("EMP-2/direction", "FiberPO provides a better update direction than PPO and GSPO", "§5 (p. 2, "
                     "p. 13)", (Outcome("metric", "float64 exact enumeration", domain,
                                        holds=all(better(contrasts[f"fiberpo-{r}"]) for r in RIVALS),
                                        measurements={**measured, **{k: contrasts[k] for k in
                                                                      (f"fiberpo-{r}" for r in RIVALS)}}),)),
        SubStatement("EMP-2/direction-without-rollback", "With the rollback band replaced by a plain cut-off, "
                     "FiberPO's update direction is better than PPO's and GSPO's (direction, not trust region)",
                     "§5 ablation", (Outcome("metric", "float64 exact enumeration", domain,
                                             holds=all(better(contrasts[f"fiberpo_cutoff-{r}"]) for r in RIVALS),
                                             measurements={**measured, "rollback_share": contrasts[
                                                 "fiberpo-fiberpo_cutoff"], **{k: contrasts[k] for k in (
                                                     f"fiberpo_cutoff-{r}" for r in RIVALS)}}),),
                     role="remark"),
    ]
    return subs, {"matched": matched, "rows": rows, "contrasts": contrasts}


# ---------------------------------------------------------------- registry, verdicts


def quick_settings() -> dict:
    """The quick preset's settings (controls run at this size)."""
    return dict(FIRST_ORDER_PRESETS["quick"])


def settings_of(preset: dict | None) -> dict:
    """The EMP-1/EMP-2 sizes named by a verify preset's 'first_order' entry (default: quick)."""
    return FIRST_ORDER_PRESETS[(preset or {}).get("first_order", "quick")]


@register("EMP-1", PRODUCER, controls={
    "exact-weights-replaced-by-1/T": lambda: emp1_substatements(quick_settings(), condition=("paper", "token")),
}, positives={
    "claim-with-unit-weights": lambda: emp1_substatements(quick_settings(), claim=("unit", "token")),
})
def emp1_check(preset: dict | None = None, sink: dict | None = None) -> list[SubStatement]:
    """EMP-1's sub-statements; the sink gets the float64 second-order gap along a random direction (for its figure)."""
    settings = settings_of(preset)
    if sink is not None:
        tree = build_tree(*settings["cross_check"], seed=0)
        sink.update(second_order=second_order_rows(tree, random_logits(tree, seed=1)))
    return emp1_substatements(settings)


@register("EMP-2", PRODUCER, controls={
    "fiberpo-ascends-minus-J": lambda: emp2_substatements(quick_settings(), say=lambda _: None,
                                                          sign={"fiberpo": -1.0})[0],
}, positives={
    "rivals-ascend-minus-J": lambda: emp2_substatements(quick_settings(), say=lambda _: None,
                                                        sign={"ppo": -1.0, "gspo": -1.0})[0],
})
def emp2_check(preset: dict | None = None, sink: dict | None = None) -> list[SubStatement]:
    """EMP-2's sub-statements; the sink gets the matched budgets, per-problem path cosines and the contrasts."""
    subs, data = emp2_substatements(settings_of(preset))
    if sink is not None:
        sink.update(data)
    return subs
