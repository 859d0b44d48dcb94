"""Ledger checks EMP-4 (the JoyAI §3.3 pattern in miniature) and RGF-3's empirical part (Claim 3.5: per-update
trajectory TV of GSPO without the min against sqrt(eps/2)), from the tiny-LM report (summaries.lm_report).

Every sub-statement is an empirical Outcome with a paired Contrast on the discovery seeds, its Holm-adjusted p over
the claim's contrasts, its replication on held-out seeds, the measured drift of the compared runs and a stated effect
size of interest; the status follows from verdicts.decide. A miniature never refutes a claim made at 48B scale.
"""

from __future__ import annotations

import math
from dataclasses import asdict

from fiberpo_check.vocabulary.stats import PairedContrast
from fiberpo_check.empirical.experiments.summaries import LMReport, LMScale, Rgf3Row, RunContrast
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.vocabulary.verdicts import (
    Contrast,
    Outcome,
    Replication,
    SubStatement,
    Verdict,
    holm,
    make_verdict,
    substatements_text,
)

PRODUCER = "experiments"
JOYAI = "JoyAI-LLM Flash report (arXiv 2604.03044) §3.3"

# (key in the report's contrasts, sub-statement id, role, claimed sign, metric, effect size of interest (stated before
# any run, in the metric's units), the statement as published)
EMP4_STATEMENTS = (
    ("grpo_collapses", "EMP-4/grpo-collapses", "result", 1, "collapse rate, GRPO - FiberPO", 0.5,
     "GRPO collapses after step 60 (entropy 0.038, mean IS ratio > 10^3, grad-norm x12)"),
    ("gspo_stagnates", "EMP-4/gspo-stagnates", "result", -1, "training-reward gain over the run, GSPO - FiberPO", 0.05,
     "GSPO stagnates (entropy rises to 1.99, no accuracy gain)"),
    ("fiberpo_stable", "EMP-4/fiberpo-stable", "result", -1, "log peak mean IS ratio, FiberPO - GRPO", math.log(1.1),
     "FiberPO stays stable (mean IS ratio ~ 1.13, grad-norm x1.5) where GRPO does not"),
    ("fiberpo_token_efficient", "EMP-4/fiberpo-token-efficient", "result", -1,
     "fraction of the run's tokens until the training reward reaches the threshold, FiberPO - GRPO", 0.2,
     "FiberPO is more token-efficient than the baselines"),
    ("fiberpo_heldout_efficient", "EMP-4/fiberpo-heldout-efficient", "result", 1,
     "held-out greedy accuracy gain per 1e5 training tokens, FiberPO - GRPO", 0.05,
     "FiberPO is more token-efficient than the baselines (on held-out greedy accuracy)"),
    ("fiberpo_keeps_entropy", "EMP-4/fiberpo-entropy", "remark", 1, "log(final/initial entropy), FiberPO - GRPO", 0.1,
     "FiberPO keeps its entropy (~0.43) while GRPO's collapses (0.038)"),
    ("fiberpo_final_accuracy", "EMP-4/fiberpo-final-accuracy", "remark", 1,
     "final held-out greedy accuracy, FiberPO - GRPO", 0.05, "FiberPO ends more accurate (AIME24 0.668 -> 0.786)"),
)
RGF3_INTEREST = 0.5  # effect of interest: a mean TV excess of half the bound sqrt(eps/2)


def seed_text(seeds: list[int]) -> str:
    """Seeds as 'a-b' when contiguous, else comma-separated."""
    contiguous = seeds == list(range(seeds[0], seeds[0] + len(seeds))) if seeds else False
    return f"{seeds[0]}-{seeds[-1]}" if contiguous and len(seeds) > 1 else ", ".join(map(str, seeds))


def scale_text(scale: LMScale, runs: tuple[str, ...]) -> str:
    """Parameters, response length, seeds, steps, each run's learning rate, drift and gradient-clip rate."""
    per_run = ", ".join(f"{name} lr {scale.lr[name]:.3g} TV/update {scale.run_drift[name]:.3g} clip rate "
                        f"{scale.grad_clip_rate[name]:.2f}" for name in runs)
    return (f"{scale.parameters / 1e3:.0f}k params, response mean {scale.mean_response:.0f} / max "
            f"{scale.max_response} tokens, discovery seeds {seed_text(scale.seeds)}, replication seeds "
            f"{seed_text(scale.replication_seeds)}, pretraining seeds {seed_text(scale.pretrain_seeds)}, "
            f"{scale.steps} steps ({per_run})")


def replication_of(row: PairedContrast, seeds: list[int]) -> Replication:
    """A paired contrast on held-out seeds as a Replication."""
    return Replication(row.estimate, row.ci_low, row.ci_high, row.p_value, row.n, seed_text(seeds))


def contrast_outcome(row: PairedContrast, claimed_sign: int, metric: str, scale: str, **fields) -> Outcome:
    """An empirical Outcome of one paired contrast (stats.paired_contrast / paired_sign_contrast)."""
    contrast = Contrast(metric, claimed_sign, row.estimate, row.ci_low, row.ci_high, row.p_value, scale,
                        detectable_effect=row.detectable_effect, **fields)
    return Outcome("empirical", "training", scale, contrast=contrast, measurements=asdict(row))


@register("EMP-4", PRODUCER, controls={
    "no effect anywhere": lambda: emp4(synthetic_report(0)),
    "every effect reversed": lambda: emp4(synthetic_report(-1)),
    "unmatched drift": lambda: emp4(synthetic_report(1, drift_ratio=2.0)),
    "not replicated": lambda: emp4(synthetic_report(1, replication_sign=0)),
}, positives={"every effect as claimed": lambda: emp4(synthetic_report(1))})
def emp4(report: LMReport) -> list[SubStatement]:
    """The JoyAI pattern, one paired contrast per published statement, Holm-adjusted over the claim's contrasts."""
    adjusted = holm([report.contrasts[key].contrast.p_value for key, *_ in EMP4_STATEMENTS])
    found = []
    for (key, sub_id, role, sign, metric, interest, text), p_holm in zip(EMP4_STATEMENTS, adjusted):
        row = report.contrasts[key]
        outcome = contrast_outcome(
            row.contrast, sign, metric, scale_text(report.scale, row.runs),
            drifts=tuple(report.scale.run_drift[name] for name in row.runs), drift_tolerance=report.scale.tolerance,
            p_holm=p_holm, replication=replication_of(report.replication[key].contrast, report.scale.replication_seeds),
            effect_of_interest=interest)
        found.append(SubStatement(sub_id, text, JOYAI, (outcome,), role))
    return found


@register("RGF-3", PRODUCER, controls={
    "TV above the bound": lambda: rgf3(synthetic_rgf3(+1)),
    "TV indistinguishable from the bound": lambda: rgf3(synthetic_rgf3(0)),
})
def rgf3(report: LMReport) -> list[SubStatement]:
    """Claim 3.5 measured: per learning rate, the per-seed mean of (trajectory-normalised TV per update - sqrt(eps/2))
    of GSPO without the min; claimed below the bound at every learning rate (Holm over the learning rates)."""
    scale = report.scale
    adjusted = holm([row.excess.p_value for row in report.rgf3.values()])
    outcomes = []
    for (name, row), p_holm in zip(report.rgf3.items(), adjusted):
        held_out = report.rgf3_replication[name]
        where = (f"{scale.parameters / 1e3:.0f}k params, response mean {scale.mean_response:.0f} / max "
                 f"{scale.max_response} tokens, GSPO without min, lr {row.lr:g}, {row.seeds} seeds, "
                 f"{row.updates} updates")
        outcome = contrast_outcome(row.excess, -1, "mean trajectory TV per update - sqrt(eps/2)", where,
                                   p_holm=p_holm, replication=replication_of(held_out.excess, scale.replication_seeds),
                                   effect_of_interest=RGF3_INTEREST * row.bound)
        outcome.measurements.update(lr=row.lr, bound=row.bound, mean_tv=row.mean_tv, max_tv=row.max_tv,
                                    within_frac=row.within_frac, replication_mean_tv=held_out.mean_tv)
        outcomes.append(outcome)
    eps = next(iter(report.rgf3.values())).bound ** 2 * 2 if report.rgf3 else float("nan")
    text = (f"GSPO (without the min) keeps the trajectory-normalised average TV per update "
            f"D_TV^(tj) <= delta ~ sqrt(eps/2) = {math.sqrt(eps / 2):.4g} at eps = {eps:g}")
    return [SubStatement("RGF-3/claim-3.5-measured", text, "p. 5, Claim 3.5; p. 32, App. C.6; D^(tj)_TV: p. 24, eq 45",
                         tuple(outcomes))]


def lm_verdicts(report: LMReport) -> list[Verdict]:
    """The EMP-4 and RGF-3 verdicts of a tiny-LM report, with their evidence and the report's numbers as details."""
    found = []
    scale = asdict(report.scale)
    for claim_id, check, details in (
            ("EMP-4", emp4, {"contrasts": {k: asdict(v) for k, v in report.contrasts.items()},
                             "replication": {k: asdict(v) for k, v in report.replication.items()}, "scale": scale,
                             "calibration": report.calibration}),
            ("RGF-3", rgf3, {"rgf3": {k: asdict(v) for k, v in report.rgf3.items()},
                             "replication": {k: asdict(v) for k, v in report.rgf3_replication.items()},
                             "scale": scale})):
        substatements = check(report)
        found.append(make_verdict(claim_id, PRODUCER, substatements, substatements_text(substatements), details))
    return found


# ---------------------------------------------------------------- synthetic reports for the negative controls


def synthetic_row(sign: int, claimed: int) -> PairedContrast:
    """A decided paired contrast agreeing (sign = +1) or disagreeing (-1) with the claim, or no effect (0); powered
    for every effect size of interest above 0.01."""
    estimate = sign * claimed * 1.0
    low, high, p = (estimate - 0.2, estimate + 0.2, 0.001) if sign else (-0.1, 0.1, 0.9)
    return PairedContrast(estimate, low, high, p, 5, "paired t", 0.01)


SYNTHETIC_SEEDS = {"seeds": [10, 11, 12, 13, 14], "replication_seeds": [15, 16, 17, 18, 19]}


def synthetic_scale(drift_ratio: float) -> LMScale:
    """A scale whose every run drifts 0.01, FiberPO's `drift_ratio` times that."""
    runs = ("grpo", "gspo", "fiberpo", "fiberpo_domain")
    return LMScale(parameters=100_000, mean_response=33.0, max_response=58, pretrain_seeds=[0, 1], steps=20,
                   tolerance=1.5, run_drift={r: 0.01 * (drift_ratio if r == "fiberpo" else 1) for r in runs},
                   grad_clip_rate={r: 0.0 for r in runs}, lr={r: 3e-4 for r in runs}, **SYNTHETIC_SEEDS)


def synthetic_report(sign: int, rgf3_rows: dict | None = None, drift_ratio: float = 1.0,
                     replication_sign: int | None = None) -> LMReport:
    """An EMP-4 report whose every contrast agrees with the pattern (+1), contradicts it (-1) or shows nothing (0),
    replicated with `replication_sign` (default: the same), at FiberPO drift `drift_ratio` x the others'."""
    replicated = sign if replication_sign is None else replication_sign

    def rows(which: int) -> dict:
        return {key: RunContrast(key, ("fiberpo", "grpo"), synthetic_row(which, claimed))
                for key, _, _, claimed, *_ in EMP4_STATEMENTS}

    return LMReport({}, rows(sign), rows(replicated), rgf3_rows or {}, rgf3_rows or {}, synthetic_scale(drift_ratio),
                    {}, {}, {})


def synthetic_rgf3(sign: int) -> LMReport:
    """An RGF-3 report whose TV lies below (sign = -1), above (+1) or indistinguishably near (0) the bound."""
    bound = math.sqrt(4e-4 / 2)
    row = Rgf3Row(lr=3e-4, bound=bound, mean_tv=bound * (1 + 0.5 * sign), max_tv=2 * bound, within_frac=0.5,
                  excess=PairedContrast(sign * bound, sign * bound - 1e-4 if sign else -1e-4,
                                        sign * bound + 1e-4 if sign else 1e-4, 0.001 if sign else 0.9, 5, "paired t",
                                        1e-4), seeds=5, updates=50)
    return synthetic_report(0, {"rgf3/lr0.0003": row})
