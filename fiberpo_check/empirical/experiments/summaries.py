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
    """One run over its seeds: method, matched budget, tokens-to-threshold, collapses, drift, and a t interval of
    every Stability indicator (keyed by field name)."""

    method: str
    hyper: dict
    tokens_to_threshold: Interval
    tokens_to_threshold_per_seed: list
    collapsed_seeds: int
    seeds: int
    drift_tv_tj: Interval
    indicators: dict[str, Interval]


def lm_summary(result: dict, cfg: dict) -> dict[str, RunSummary]:
    """Per run: method, matched budget, tokens-to-threshold (bootstrap CI), stability indicators (t CIs), drift."""
    chosen = result["calibration"]["chosen"]
    summary = {}
    for name, runs in result["histories"].items():
        method = cfg["variants"][name.removeprefix("stress/")]["method"]
        per_seed = [stability(h, cfg["smoothing"]) for h in runs.values()]
        ttt = [tokens_to_threshold(h, cfg["threshold"], cfg["smoothing"]) for h in runs.values()]
        summary[name] = RunSummary(
            method=method,
            hyper=chosen[method]["hyper"],
            tokens_to_threshold=bootstrap_interval(ttt),
            tokens_to_threshold_per_seed=ttt,
            collapsed_seeds=sum(collapsed(ind, cfg["collapse"]) for ind in per_seed),
            seeds=len(runs),
            drift_tv_tj=t_interval([np.mean([row["drift/tv_tj"] for row in h]) for h in runs.values()]),
            indicators={f.name: t_interval([getattr(ind, f.name) for ind in per_seed]) for f in fields(Stability)},
        )
    return summary


def censored_tokens(history: list[dict], threshold: float, window: int) -> tuple[float, bool]:
    """Tokens to threshold, or the run's total tokens when never reached (a lower bound), and whether it was reached."""
    hit = tokens_to_threshold(history, threshold, window)
    return (hit, True) if hit is not None else (float(history[-1]["tokens"]), False)


@dataclass(frozen=True)
class SeedMetrics:
    """The values of one seed of one run that the EMP-4 contrasts pair across methods."""

    tokens: float
    reached: bool
    collapsed: float
    log_peak_mean_ratio: float
    log_entropy_ratio: float
    reward_gain: float
    final_accuracy: float


def per_seed_metrics(runs: dict, cfg: dict) -> dict[str, SeedMetrics]:
    """Per seed of one run: the values the EMP-4 contrasts pair across methods."""
    found = {}
    for seed, history in runs.items():
        indicators = stability(history, cfg["smoothing"])
        tokens, reached = censored_tokens(history, cfg["threshold"], cfg["smoothing"])
        evaluated = [row for row in history if "acc/mean" in row]
        found[seed] = SeedMetrics(
            tokens=tokens,
            reached=reached,
            collapsed=float(collapsed(indicators, cfg["collapse"])),
            log_peak_mean_ratio=math.log(indicators.peak_mean_ratio),
            log_entropy_ratio=math.log(indicators.entropy_ratio),
            reward_gain=indicators.reward_gain,
            final_accuracy=evaluated[-1]["acc/mean"] if evaluated else float("nan"),
        )
    return found


@dataclass(frozen=True)
class RunContrast:
    """A paired contrast of one SeedMetrics field between two runs (first - second)."""

    metric: str
    runs: tuple[str, str]
    contrast: PairedContrast


def paired(metric: str, seeds_by_run: dict, runs: tuple[str, str], binary: bool = False) -> RunContrast:
    """Contrast first - second run of a per-seed metric over the seeds both share (tokens: ties where neither
    reached the threshold count as 0)."""
    first, second = seeds_by_run[runs[0]], seeds_by_run[runs[1]]
    seeds = sorted(set(first) & set(second), key=int)
    a, b = [getattr(first[s], metric) for s in seeds], [getattr(second[s], metric) for s in seeds]
    if metric == "tokens":
        a = [b_ if not (first[s].reached or second[s].reached) else a_ for a_, b_, s in zip(a, b, seeds)]
    return RunContrast(metric, runs, paired_sign_contrast(a, b) if binary else paired_contrast(a, b))


def emp4_contrasts(result: dict, cfg: dict) -> dict[str, RunContrast]:
    """The JoyAI §3.3 pattern as paired contrasts over shared seeds: collapse and stability on the stress runs (the
    standard runs when there are none), stagnation, token efficiency and final accuracy on the standard runs."""
    h = result["histories"]
    seeds = {name: per_seed_metrics(runs, cfg) for name, runs in h.items()}
    stress = "stress/" if "stress/grpo" in h and "stress/fiberpo" in h else ""
    fiber, grpo = f"{stress}fiberpo", f"{stress}grpo"
    return {
        "grpo_collapses": paired("collapsed", seeds, (grpo, fiber), binary=True),
        "fiberpo_stable": paired("log_peak_mean_ratio", seeds, (fiber, grpo)),
        "fiberpo_keeps_entropy": paired("log_entropy_ratio", seeds, (fiber, grpo)),
        "gspo_stagnates": paired("reward_gain", seeds, ("gspo", "fiberpo")),
        "fiberpo_token_efficient": paired("tokens", seeds, ("fiberpo", "grpo")),
        "fiberpo_final_accuracy": paired("final_accuracy", seeds, ("fiberpo", "grpo")),
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


def rgf3_summary(result: dict, cfg: dict) -> dict[str, Rgf3Row]:
    """Claim 3.5 per learning rate: per-update trajectory-normalised TV of GSPO without the min against sqrt(eps/2),
    per seed the mean over updates of (TV - bound), paired against 0 across seeds."""
    bound = math.sqrt(cfg["rgf3"]["eps"] / 2)
    found = {}
    for name, runs in result["rgf3"].items():
        tv = {seed: [row["drift/tv_tj"] for row in h] for seed, h in runs.items()}
        excess = [float(np.mean(v)) - bound for v in tv.values()]
        found[name] = Rgf3Row(
            lr=float(name.removeprefix("rgf3/lr")),
            bound=bound,
            mean_tv=float(np.mean([x for v in tv.values() for x in v])),
            max_tv=max(x for v in tv.values() for x in v),
            within_frac=float(np.mean([x <= bound for v in tv.values() for x in v])),
            excess=paired_contrast(excess, [0.0] * len(excess)),
            seeds=len(runs),
            updates=sum(map(len, tv.values())),
        )
    return found


@dataclass(frozen=True)
class LMScale:
    """The numbers every EMP-4 / RGF-3 verdict states its scale with, and every run's mean per-update drift."""

    parameters: int
    mean_response: float
    max_response: int
    seeds: int
    steps: int
    stress_steps: int | None
    tolerance: float
    run_drift: dict[str, float]
    calibration_drift: dict = field(default_factory=dict)
    matched_hyper: dict = field(default_factory=dict)

    def matched(self, runs: tuple[str, ...]) -> bool:
        """The runs' mean per-update drifts lie within the calibration tolerance of each other."""
        drifts = [self.run_drift[name] for name in runs]
        return max(drifts) / min(drifts) <= self.tolerance


def lm_scale(result: dict, cfg: dict) -> LMScale:
    """The scale of a tiny-LM result (a contrast's budgets count as matched when its two runs' drifts are within the
    calibration tolerance)."""
    rows = [row for runs in result["histories"].values() for h in runs.values() for row in h]
    drift = {name: float(np.mean([row["drift/tv_tj"] for h in runs.values() for row in h]))
             for name, runs in result["histories"].items()}
    return LMScale(
        parameters=result["pretrained"]["parameters"],
        mean_response=float(np.mean([row["response_length"] for row in rows])),
        max_response=int(max(row["response_length/max"] for row in rows)),
        seeds=len(cfg["seeds"]),
        steps=cfg["rl"]["steps"],
        stress_steps=(cfg.get("stress") or {}).get("rl", {}).get("steps"),
        tolerance=cfg["calibration"]["tolerance"],
        run_drift=drift,
        calibration_drift={m: c["drift"] for m, c in result["calibration"]["chosen"].items()},
        matched_hyper={m: c["hyper"] for m, c in result["calibration"]["chosen"].items()},
    )


@dataclass(frozen=True)
class LMReport:
    """Everything the LM verdicts and the summary file need: per-run summaries, contrasts, RGF-3, scale, calibration."""

    runs: dict[str, RunSummary]
    contrasts: dict[str, RunContrast]
    rgf3: dict[str, Rgf3Row]
    scale: LMScale
    calibration: dict
    pretrained: dict


def lm_report(result: dict, cfg: dict) -> LMReport:
    """The LMReport of a tiny-LM result."""
    return LMReport(lm_summary(result, cfg), emp4_contrasts(result, cfg), rgf3_summary(result, cfg),
                    lm_scale(result, cfg), result["calibration"], result["pretrained"])
