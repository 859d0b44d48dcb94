"""Summaries of raw results: update distances, the sample-size curve, learning curves, tokens-to-threshold, stability."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from fiberpo_check.empirical.experiments.bandit_verdicts import bandit_summary  # noqa: F401  (the bandit summary lives beside its verdicts)
from fiberpo_check.vocabulary.stats import (
    Interval,
    PairedContrast,
    bootstrap_interval,
    paired_contrast,
    paired_sign_contrast,
    t_interval,
)


def smoothed(values: list[float], window: int) -> np.ndarray:
    """Trailing moving average (shorter at the start)."""
    x = np.asarray(values, dtype=float)
    return np.array([x[max(0, i - window + 1) : i + 1].mean() for i in range(len(x))])


def tokens_to_threshold(history: list[dict], threshold: float, window: int) -> float | None:
    """Tokens consumed when the trailing `window`-step mean training accuracy first reaches `threshold` (None: never)."""
    reward = smoothed([row["reward/mean"] for row in history], window)
    hit = np.flatnonzero(reward[window - 1 :] >= threshold) + window - 1
    return float(history[hit[0]]["tokens"]) if len(hit) else None


@dataclass(frozen=True)
class Stability:
    """Collapse indicators of one run (ratios are end over start; the reward is the trailing-window mean)."""

    entropy_ratio: float
    peak_mean_ratio: float
    peak_max_ratio: float
    grad_norm_growth: float
    length_ratio: float
    reward_gain: float
    reward_fraction: float
    reward_drop: float
    mean_tv: float
    final_reward: float


def stability(history: list[dict], window: int) -> Stability:
    """Collapse indicators of one run: entropy ratio, peak mean IS ratio, grad-norm growth, length ratio, reward drop."""
    quarter = max(1, len(history) // 4)
    reward = smoothed([row["reward/mean"] for row in history], window)
    initial = float(np.mean([row["reward/mean"] for row in history[:window]]))
    grad = [row["grad_norm"] for row in history]
    return Stability(
        entropy_ratio=history[-1]["entropy"] / history[0]["entropy"],
        peak_mean_ratio=max(row["ratio/mean"] for row in history),
        peak_max_ratio=max(row["ratio/max"] for row in history),
        grad_norm_growth=float(np.mean(grad[-quarter:]) / max(np.mean(grad[:quarter]), 1e-12)),
        length_ratio=history[-1]["response_length"] / history[0]["response_length"],
        reward_gain=float(reward[-1] - initial),
        reward_fraction=float(reward[-1] / max(initial, 1e-12)),
        reward_drop=float(reward.max() - reward[-1]),
        mean_tv=float(np.mean([row["drift/tv_mean"] for row in history])),
        final_reward=float(reward[-1]),
    )


def collapsed(indicators: Stability, limits: dict) -> bool:
    """A run collapsed: entropy or accuracy fell below a fraction of its start, IS ratios exploded, or reward fell from its peak."""
    return (
        indicators.reward_fraction < limits["reward_fraction"]
        or indicators.entropy_ratio < limits["entropy_ratio"]
        or indicators.peak_mean_ratio > limits["mean_ratio"]
        or indicators.reward_drop > limits["reward_drop"]
    )


@dataclass(frozen=True)
class RunSummary:
    """One run over its seeds: method, budget, calibrated learning rate, tokens-to-threshold, collapses, drift,
    gradient-clip rate, and a t interval of every Stability indicator (keyed by field name)."""

    method: str
    hyper: dict
    lr: float
    tokens_to_threshold: Interval
    tokens_to_threshold_per_seed: list
    collapsed_seeds: int
    seeds: int
    drift_tv_tj: Interval
    grad_clip_rate: Interval
    indicators: dict[str, Interval]


def lm_summary(result: dict, cfg: dict) -> dict[str, RunSummary]:
    """Per run (every seed): budget, learning rate, tokens-to-threshold (bootstrap CI), stability indicators, drift and
    gradient-clip rate (t CIs)."""
    chosen = result["calibration"]["chosen"]
    summary = {}
    for name, runs in result["histories"].items():
        per_seed = [stability(h, cfg["smoothing"]) for h in runs.values()]
        ttt = [tokens_to_threshold(h, cfg["threshold"], cfg["smoothing"]) for h in runs.values()]
        summary[name] = RunSummary(
            method=cfg["variants"][name]["method"],
            hyper=cfg["variants"][name]["hyper"],
            lr=chosen[name]["lr"],
            tokens_to_threshold=bootstrap_interval(ttt),
            tokens_to_threshold_per_seed=ttt,
            collapsed_seeds=sum(collapsed(ind, cfg["collapse"]) for ind in per_seed),
            seeds=len(runs),
            drift_tv_tj=t_interval([np.mean([row["drift/tv_tj"] for row in h]) for h in runs.values()]),
            grad_clip_rate=t_interval([np.mean([row["grad_clip_rate"] for row in h]) for h in runs.values()]),
            indicators={f.name: t_interval([getattr(ind, f.name) for ind in per_seed]) for f in fields(Stability)},
        )
    return summary


@dataclass(frozen=True)
class SeedMetrics:
    """The values of one seed of one run that the EMP-4 contrasts pair across methods (and the summary table lists)."""

    token_fraction: float  # tokens to the training-reward threshold / the run's tokens (1: never reached)
    reached: bool
    collapsed: float
    log_peak_mean_ratio: float
    log_entropy_ratio: float
    reward_gain: float
    heldout_initial: float
    heldout_final: float
    heldout_gain_per_1e5_tokens: float  # held-out greedy accuracy gain per 100k training tokens
    tokens: int
    drift: float
    grad_clip_rate: float


def per_seed_metrics(runs: dict, cfg: dict) -> dict[str, SeedMetrics]:
    """Per seed of one run: the values the EMP-4 contrasts pair across methods."""
    found = {}
    for seed, history in runs.items():
        indicators = stability(history, cfg["smoothing"])
        hit = tokens_to_threshold(history, cfg["threshold"], cfg["smoothing"])
        total = history[-1]["tokens"]
        evaluated = [row for row in history if "acc/mean" in row]
        initial = history[0].get("initial_acc/mean", float("nan"))
        final = evaluated[-1]["acc/mean"] if evaluated else float("nan")
        found[seed] = SeedMetrics(
            token_fraction=hit / total if hit is not None else 1.0,
            reached=hit is not None,
            collapsed=float(collapsed(indicators, cfg["collapse"])),
            log_peak_mean_ratio=math.log(indicators.peak_mean_ratio),
            log_entropy_ratio=math.log(indicators.entropy_ratio),
            reward_gain=indicators.reward_gain,
            heldout_initial=initial,
            heldout_final=final,
            heldout_gain_per_1e5_tokens=(final - initial) / total * 1e5,
            tokens=total,
            drift=float(np.mean([row["drift/tv_tj"] for row in history])),
            grad_clip_rate=float(np.mean([row["grad_clip_rate"] for row in history])),
        )
    return found


@dataclass(frozen=True)
class RunContrast:
    """A paired contrast of one SeedMetrics field between two runs (first - second) on one seed set."""

    metric: str
    runs: tuple[str, str]
    contrast: PairedContrast


def paired(metric: str, seeds_by_run: dict, runs: tuple[str, str], binary: bool = False) -> RunContrast:
    """Contrast first - second run of a per-seed metric over the seeds both share."""
    first, second = seeds_by_run[runs[0]], seeds_by_run[runs[1]]
    seeds = sorted(set(first) & set(second), key=int)
    a, b = [getattr(first[s], metric) for s in seeds], [getattr(second[s], metric) for s in seeds]
    return RunContrast(metric, runs, paired_sign_contrast(a, b) if binary else paired_contrast(a, b))


def seed_subset(runs: dict, seeds: list[int]) -> dict:
    """The histories of the given seeds only."""
    return {seed: h for seed, h in runs.items() if int(seed) in seeds}


def emp4_contrasts(result: dict, cfg: dict, seeds: list[int]) -> dict[str, RunContrast]:
    """The JoyAI §3.3 pattern as paired contrasts over the given seeds, every run at its calibrated learning rate."""
    metrics = {name: per_seed_metrics(seed_subset(runs, seeds), cfg) for name, runs in result["histories"].items()}
    return {
        "grpo_collapses": paired("collapsed", metrics, ("grpo", "fiberpo"), binary=True),
        "fiberpo_stable": paired("log_peak_mean_ratio", metrics, ("fiberpo", "grpo")),
        "fiberpo_keeps_entropy": paired("log_entropy_ratio", metrics, ("fiberpo", "grpo")),
        "gspo_stagnates": paired("reward_gain", metrics, ("gspo", "fiberpo")),
        "fiberpo_token_efficient": paired("token_fraction", metrics, ("fiberpo", "grpo")),
        "fiberpo_heldout_efficient": paired("heldout_gain_per_1e5_tokens", metrics, ("fiberpo", "grpo")),
        "fiberpo_final_accuracy": paired("heldout_final", metrics, ("fiberpo", "grpo")),
    }


@dataclass(frozen=True)
class Rgf3Row:
    """Claim 3.5 at one learning rate: per-update trajectory TV of GSPO without the min against sqrt(eps/2)."""

    lr: float
    bound: float
    mean_tv: float
    max_tv: float
    within_frac: float
    excess: PairedContrast
    seeds: int
    updates: int


def rgf3_summary(result: dict, cfg: dict, seeds: list[int]) -> dict[str, Rgf3Row]:
    """Claim 3.5 per learning rate on the given seeds: per seed the mean over updates of (trajectory-normalised TV per
    update - sqrt(eps/2)) of GSPO without the min, paired against 0 across seeds."""
    bound = math.sqrt(cfg["rgf3"]["eps"] / 2)
    found = {}
    for name, runs in result["rgf3"].items():
        tv = {seed: [row["drift/tv_tj"] for row in h] for seed, h in seed_subset(runs, seeds).items()}
        excess = [float(np.mean(v)) - bound for v in tv.values()]
        found[name] = Rgf3Row(
            lr=float(name.removeprefix("rgf3/lr")),
            bound=bound,
            mean_tv=float(np.mean([x for v in tv.values() for x in v])),
            max_tv=max(x for v in tv.values() for x in v),
            within_frac=float(np.mean([x <= bound for v in tv.values() for x in v])),
            excess=paired_contrast(excess, [0.0] * len(excess)),
            seeds=len(tv),
            updates=sum(map(len, tv.values())),
        )
    return found


@dataclass(frozen=True)
class LMScale:
    """The numbers every EMP-4 / RGF-3 verdict states its scale with, and every run's mean per-update drift."""

    parameters: int
    mean_response: float
    max_response: int
    seeds: list[int]
    replication_seeds: list[int]
    pretrain_seeds: list[int]
    steps: int
    tolerance: float
    run_drift: dict[str, float]
    grad_clip_rate: dict[str, float]
    lr: dict[str, float] = field(default_factory=dict)


def lm_scale(result: dict, cfg: dict) -> LMScale:
    """The scale of a tiny-LM result, each run's measured mean drift per update and gradient-clip rate (all seeds)."""
    rows = [row for runs in result["histories"].values() for h in runs.values() for row in h]

    def run_mean(key: str) -> dict[str, float]:
        return {name: float(np.mean([row[key] for h in runs.values() for row in h]))
                for name, runs in result["histories"].items()}

    return LMScale(
        parameters=next(iter(result["pretrained"].values()))["parameters"],
        mean_response=float(np.mean([row["response_length"] for row in rows])),
        max_response=int(max(row["response_length/max"] for row in rows)),
        seeds=cfg["seeds"],
        replication_seeds=cfg["replication_seeds"],
        pretrain_seeds=cfg["pretrain_seeds"],
        steps=cfg["rl"]["steps"],
        tolerance=cfg["calibration"]["tolerance"],
        run_drift=run_mean("drift/tv_tj"),
        grad_clip_rate=run_mean("grad_clip_rate"),
        lr={name: c["lr"] for name, c in result["calibration"]["chosen"].items()},
    )


@dataclass(frozen=True)
class LMReport:
    """Everything the LM verdicts and the summary files need: per-run summaries, contrasts on the discovery and on the
    replication seeds, RGF-3 on both, scale, calibration, pretraining scores, per run and seed metrics."""

    runs: dict[str, RunSummary]
    contrasts: dict[str, RunContrast]
    replication: dict[str, RunContrast]
    rgf3: dict[str, Rgf3Row]
    rgf3_replication: dict[str, Rgf3Row]
    scale: LMScale
    calibration: dict
    pretrained: dict
    per_seed: dict[str, dict[str, SeedMetrics]]


def lm_report(result: dict, cfg: dict) -> LMReport:
    """The LMReport of a tiny-LM result."""
    return LMReport(lm_summary(result, cfg), emp4_contrasts(result, cfg, cfg["seeds"]),
                    emp4_contrasts(result, cfg, cfg["replication_seeds"]),
                    rgf3_summary(result, cfg, cfg["rgf3"]["seeds"]),
                    rgf3_summary(result, cfg, cfg["rgf3"]["replication_seeds"]), lm_scale(result, cfg),
                    result["calibration"], result["pretrained"],
                    {name: per_seed_metrics(runs, cfg) for name, runs in result["histories"].items()})
