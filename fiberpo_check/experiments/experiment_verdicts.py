"""Ledger verdicts of the experiments: APC-6 and EMP-3 (bandit_verdicts), EMP-4 and RGF-3 (empirical part)."""

from __future__ import annotations

from ..verdicts import Verdict
from .bandit_verdicts import bandit_verdicts

PRODUCER = "experiments"


def fmt(interval: dict) -> str:
    """'mean [low, high]' of a CI dict, 'never' when missing."""
    if interval.get("mean") is None:
        return "never"
    low = "?" if interval["low"] is None else f"{interval['low']:.3g}"
    high = "inf" if interval["high"] is None else f"{interval['high']:.3g}"
    return f"{interval['mean']:.3g} [{low}, {high}]"


def emp4(lm: dict) -> Verdict:
    """The JoyAI pattern in miniature: GRPO collapses, GSPO stagnates, FiberPO stays stable and is more token-efficient.

    Collapse and stability are judged on the stress runs (larger step, more epochs) when present, and on every run;
    stagnation and token efficiency on the standard runs.
    """
    standard = {name: s for name, s in lm.items() if not name.startswith("stress/")}
    grpo_runs = [s for name, s in lm.items() if name.removeprefix("stress/") == "grpo"]
    gspo = [s for s in standard.values() if s["method"] == "gspo"]
    fiber_all = [s for s in lm.values() if s["method"] in ("fiberpo", "fiberpo_domain")]
    fiber = [s for s in standard.values() if s["method"] in ("fiberpo", "fiberpo_domain")]
    grpo = standard["grpo"]
    gspo_published = min(gspo, key=lambda s: s["hyper"]["eps_low"])
    grpo_ttt = grpo["tokens_to_threshold"]
    fiber_ttt = min(fiber, key=lambda s: s["tokens_to_threshold"]["mean"] or float("inf"))["tokens_to_threshold"]
    claims = {
        "grpo_collapses": any(s["collapsed_seeds"] > s["seeds"] / 2 for s in grpo_runs),
        "gspo_stagnates": gspo_published["reward_gain"]["mean"] < 0.5 * grpo["reward_gain"]["mean"],
        "fiberpo_stable": all(s["collapsed_seeds"] == 0 for s in fiber_all),
        "fiberpo_more_token_efficient": fiber_ttt["high"] is not None
        and (grpo_ttt["low"] is None or fiber_ttt["high"] < grpo_ttt["low"]),
    }
    if all(claims.values()):
        status = "verified-numerically"
    elif claims["fiberpo_stable"] and claims["fiberpo_more_token_efficient"]:
        status = "holds-with-conditions"
    else:
        status = "refuted"
    lines = [
        f"{name}: tokens-to-threshold {fmt(s['tokens_to_threshold'])} (never {s['tokens_to_threshold']['missing']}/{s['seeds']}), "
        f"reward gain {fmt(s['reward_gain'])}, entropy ratio {fmt(s['entropy_ratio'])}, peak mean IS ratio "
        f"{fmt(s['peak_mean_ratio'])}, grad-norm growth {fmt(s['grad_norm_growth'])}, length ratio {fmt(s['length_ratio'])}, "
        f"collapsed {s['collapsed_seeds']}/{s['seeds']}"
        for name, s in lm.items()
    ]
    evidence = (
        "Tiny-LM RL (reversal/sorting/addition domains): "
        + "; ".join(f"{k} = {v}" for k, v in claims.items())
        + ". "
        + " | ".join(lines)
    )
    return Verdict("EMP-4", status, evidence, PRODUCER, {"claims": claims, "summary": lm})


def rgf3(lm: dict) -> Verdict:
    """Claim 3.5 empirically: per-update exact TV between successive GSPO policies against sqrt(eps/2)."""
    gspo = {name: s["claim_3_5"] for name, s in lm.items() if s["method"] == "gspo"}
    holds = all(c["within_frac"] >= 0.95 for c in gspo.values())
    evidence = (
        "GSPO in tiny-LM RL, exact per-state TV of one update averaged over visited states: "
        + "; ".join(
            f"{name}: bound sqrt(eps/2) = {c['bound']:.4f}, mean TV {c['mean_tv']:.4f}, max {c['max_tv']:.4f}, "
            f"steps within bound {100 * c['within_frac']:.0f}%"
            for name, c in gspo.items()
        )
        + ". Measured with the PPO-style min and several minibatches per rollout (the claim is stated without the min)."
    )
    return Verdict("RGF-3", "verified-numerically" if holds else "refuted", evidence, PRODUCER, {"gspo": gspo})


def compute(bandit: dict | None, lm: dict | None) -> list[Verdict]:
    """Every verdict whose inputs are present."""
    found = []
    if bandit is not None:
        found += bandit_verdicts(bandit)
    if lm is not None:
        found += [emp4(lm), rgf3(lm)]
    return found
