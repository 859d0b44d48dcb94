"""Summaries of raw results: update distances, the sample-size curve, learning curves, tokens-to-threshold, stability."""

from __future__ import annotations

import math

import numpy as np

from .bandit_verdicts import bandit_summary  # noqa: F401  (the bandit summary lives beside its verdicts)
from .stats import bootstrap_interval, t_interval


def smoothed(values: list[float], window: int) -> np.ndarray:
    """Trailing moving average (shorter at the start)."""
    x = np.asarray(values, dtype=float)
    return np.array([x[max(0, i - window + 1) : i + 1].mean() for i in range(len(x))])


def tokens_to_threshold(history: list[dict], threshold: float, window: int) -> float | None:
    """Tokens consumed when the trailing `window`-step mean training accuracy first reaches `threshold` (None: never)."""
    reward = smoothed([row["reward/mean"] for row in history], window)
    hit = np.flatnonzero(reward[window - 1 :] >= threshold) + window - 1
    return float(history[hit[0]]["tokens"]) if len(hit) else None


def stability(history: list[dict], window: int) -> dict:
    """Collapse indicators of one run: entropy ratio, peak mean IS ratio, grad-norm growth, length ratio, reward drop."""
    quarter = max(1, len(history) // 4)
    reward = smoothed([row["reward/mean"] for row in history], window)
    initial = float(np.mean([row["reward/mean"] for row in history[:window]]))
    grad = [row["grad_norm"] for row in history]
    return {
        "entropy_ratio": history[-1]["entropy"] / history[0]["entropy"],
        "peak_mean_ratio": max(row["ratio/mean"] for row in history),
        "peak_max_ratio": max(row["ratio/max"] for row in history),
        "grad_norm_growth": float(np.mean(grad[-quarter:]) / max(np.mean(grad[:quarter]), 1e-12)),
        "length_ratio": history[-1]["response_length"] / history[0]["response_length"],
        "reward_gain": float(reward[-1] - initial),
        "reward_fraction": float(reward[-1] / max(initial, 1e-12)),
        "reward_drop": float(reward.max() - reward[-1]),
        "mean_tv": float(np.mean([row["drift/tv_mean"] for row in history])),
        "final_reward": float(reward[-1]),
    }


def collapsed(indicators: dict, limits: dict) -> bool:
    """A run collapsed: entropy or accuracy fell below a fraction of its start, IS ratios exploded, or reward fell from its peak."""
    return (
        indicators["reward_fraction"] < limits["reward_fraction"]
        or indicators["entropy_ratio"] < limits["entropy_ratio"]
        or indicators["peak_mean_ratio"] > limits["mean_ratio"]
        or indicators["reward_drop"] > limits["reward_drop"]
    )


def lm_summary(result: dict, cfg: dict) -> dict:
    """Per variant: tokens-to-threshold (bootstrap CI), final reward (t CI), stability indicators, GSPO TV bound."""
    summary = {}
    for name, runs in result["histories"].items():
        variant = cfg["variants"][name.removeprefix("stress/")]
        per_seed = {seed: stability(h, cfg["smoothing"]) for seed, h in runs.items()}
        ttt = [tokens_to_threshold(h, cfg["threshold"], cfg["smoothing"]) for h in runs.values()]
        row = {
            "method": variant["method"],
            "hyper": variant["hyper"],
            "tokens_to_threshold": bootstrap_interval(ttt),
            "tokens_to_threshold_per_seed": ttt,
            "collapsed_seeds": sum(collapsed(ind, cfg["collapse"]) for ind in per_seed.values()),
            "seeds": len(runs),
            **{key: t_interval([ind[key] for ind in per_seed.values()]) for key in next(iter(per_seed.values()))},
        }
        if variant["method"] == "gspo":
            bound = math.sqrt(max(variant["hyper"]["eps_low"], variant["hyper"].get("eps_high") or 0) / 2)
            tv = [row_["drift/tv_mean"] for h in runs.values() for row_ in h]
            row["claim_3_5"] = {
                "bound": bound,
                "within_frac": float(np.mean([v <= bound for v in tv])),
                "max_tv": max(tv),
                "mean_tv": float(np.mean(tv)),
            }
        summary[name] = row
    return summary
